import CESockLinux
#if canImport(Glibc)
import Glibc
#endif

/// The streaming fast path on epoll: the loop reads into its own buffer and lends it to the
/// handler; writes go out at once and the rest waits for the next writable edge.
extension PollEngine {
    func startStream(_ socket: Socket, _ handler: any StreamHandler) throws(SocketError) {
        try socket.state.withLock { st throws(SocketError) in
            try claimStream(socket, StreamState(handler: handler, onAccept: nil), &st)
        }
        // Bytes that arrived before the handler did raised no new edge: re-arm to get one.
        socket.state.withLock { st in loop.rearm(socket, output: st.wantsOutput) }
    }

    func startAccepting(_ listener: Socket, _ onAccept: @escaping @Sendable (Socket) -> Void) throws(SocketError) {
        try listener.state.withLock { st throws(SocketError) in
            try claimStream(listener, StreamState(handler: nil, onAccept: onAccept), &st)
        }
        listener.state.withLock { st in loop.rearm(listener, output: st.wantsOutput) }
    }

    func write(_ socket: Socket, _ bytes: UnsafeRawBufferPointer) throws(SocketError) {
        try socket.state.withLock { st throws(SocketError) in
            if st.closed { throw .closed }
            if st.outbox.isEmpty {
                // Nothing queued: send directly, keep only what the kernel did not take.
                let n = Glibc.send(socket.fileDescriptor, bytes.baseAddress, bytes.count, (msgNoSignal | msgDontWait))
                if n < 0 && errno != EAGAIN && errno != EINTR { throw .errno(.current) }
                let sent = max(n, 0)
                if sent > 0 { st.counters.record(.send, .sent(sent)) }
                if sent < bytes.count {
                    st.outbox.append(UnsafeRawBufferPointer(rebasing: bytes[sent...]))
                    wantOutput(socket, &st)
                }
            } else {
                st.outbox.append(bytes)
            }
        }
    }

    /// Called on the loop thread for a streaming socket; false when `socket` is not one.
    func streamReady(_ socket: Socket, readable: Bool, writable: Bool, hangup: Bool) -> Bool {
        let (stream, pending, lingers) = socket.state.withLock { st in
            if writable && st.outbox.isEmpty && !st.closed { dropOutputIfIdle(socket, &st) }
            return (st.closed ? nil : st.stream, !st.outbox.isEmpty, st.lingering)
        }
        if lingers {
            if writable { flush(socket) }
            return true
        }
        guard let stream else { return false }
        if writable && pending { flush(socket) }
        guard readable, !stream.ended else { return true }
        if let onAccept = stream.onAccept {
            acceptAll(socket, onAccept)
        } else if let handler = stream.handler {
            readAll(socket, stream, handler, untilEnd: hangup)
        }
        return true
    }

    /// Sends what the outbox holds until the kernel takes no more. A closed socket whose
    /// outbox still held bytes ("lingering") is closed for good once they are out, or once
    /// the connection fails.
    func flush(_ socket: Socket) {
        let done = socket.state.withLock { st -> Bool in
            var failed = false
            while (!st.closed || st.lingering) && !st.outbox.isEmpty {
                st.outbox.promote()
                let b = st.outbox.flight.readable
                let n = Glibc.send(socket.fileDescriptor, b.baseAddress, b.count, (msgNoSignal | msgDontWait))
                if n < 0 && errno != EAGAIN && errno != EINTR { failed = true }
                if n <= 0 { break }
                st.counters.record(.send, .sent(n))
                st.outbox.sent(n)
            }
            guard st.lingering && (st.outbox.isEmpty || failed) else { return false }
            st.lingering = false
            loop.remove(socket)
            sysClose(socket.fileDescriptor)
            st.outbox.release()
            return true
        }
        if done { lingering.withLock { _ = $0.removeValue(forKey: socket.id) } }
    }

    private func acceptAll(_ listener: Socket, _ onAccept: @Sendable (Socket) -> Void) {
        while true {
            let status: CompletionStatus? = listener.state.withLock { st in
                guard !st.closed else { return nil }
                switch attempt(listener, .accept, &st) {
                case .done(let s):
                    st.counters.record(.accept, s)
                    if case .error(let e) = s, e == .errno(.eagain) { return nil }
                    return s
                default: return nil
                }
            }
            guard case .accepted(let s)? = status else { return }
            onAccept(s)
        }
    }

    /// Reads until the socket is drained. A short read means drained (the next arrival raises
    /// a new edge), except after a hang-up: the end of the stream raises no further edge, so
    /// then it reads on until recv returns 0 or fails.
    private func readAll(_ socket: Socket, _ stream: StreamState, _ handler: any StreamHandler, untilEnd: Bool) {
        let buffer = readBuffer
        while true {
            // The read holds the socket's lock so a concurrent close cannot hand the
            // descriptor number to another socket mid-read; the handler runs without it.
            let n: Int = socket.state.withLock { st in
                guard !st.closed else { return -Int(EBADF) }
                let n = Glibc.recv(socket.fileDescriptor, buffer.baseAddress, buffer.count, msgDontWait)
                if n > 0 { st.counters.read(n) }
                return n < 0 ? -Int(errno) : n
            }
            if n > 0 {
                handler.received(UnsafeRawBufferPointer(rebasing: buffer[..<n]), on: socket)
                if n < buffer.count && !untilEnd { return }
                continue
            }
            if n == -Int(EAGAIN) || n == -Int(EINTR) { return }
            let reason: SocketError = n == 0 || n == -Int(EBADF) ? .closed : .errno(Errno(rawValue: Int32(-n)))
            end(socket, stream, handler, reason)
            return
        }
    }
}
