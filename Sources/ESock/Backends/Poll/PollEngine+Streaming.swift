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
        loop.pin(socket, true)
        // Bytes that arrived before the handler did raised no new edge: re-arm to get one.
        socket.state.withLock { st in loop.rearm(socket, output: st.poll.wantsOutput) }
    }

    func startAccepting(_ listener: Socket, _ acceptLoop: StreamState) throws(SocketError) {
        try listener.state.withLock { st throws(SocketError) in
            try claimStream(listener, acceptLoop, &st)
        }
        loop.pin(listener, true)
        listener.state.withLock { st in loop.rearm(listener, output: st.poll.wantsOutput) }
    }

    func write(_ socket: Socket, _ bytes: UnsafeRawBufferPointer) throws(SocketError) {
        try socket.state.withLock { st throws(SocketError) in
            if st.closed { throw .closed }
            // Send calls before these bytes go first, each whole.
            if st[.write].isBusy {
                st[.write].queued.append(.write(bytes))
                return
            }
            if st.outbox.isEmpty {
                // Nothing queued: send directly, keep only what the kernel did not take.
                let sent: Int
                do throws(Errno) {
                    if case .done(let n) = try sysSend(socket.fileDescriptor, bytes, msgDontWait) { sent = n } else { sent = 0 }
                } catch {
                    throw .errno(error)
                }
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
            return (st.closed ? nil : st.stream, !st.outbox.isEmpty, st.poll.lingering)
        }
        if lingers {
            if writable { flush(socket) }
            return true
        }
        // Written bytes wait for this edge whether or not the socket streams its input.
        if writable && pending { flush(socket) }
        guard let stream else { return false }
        guard readable, !stream.ended else { return true }
        if stream.onAccept != nil {
            acceptAll(socket, stream)
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
            while (!st.closed || st.poll.lingering) && !st.outbox.isEmpty {
                st.outbox.promote()
                let b = st.outbox.flight.readable
                let n: Int
                do throws(Errno) {
                    guard case .done(let sent) = try sysSend(socket.fileDescriptor, b, msgDontWait) else {
                        // Re-registering re-evaluates readiness: if the socket is writable
                        // after all, the next edge comes at once instead of never.
                        st.poll.wantsOutput = true
                        loop.rearm(socket, output: true)
                        break
                    }
                    n = sent
                } catch {
                    failed = true
                    break
                }
                if n == 0 { break }
                st.counters.record(.send, .sent(n))
                st.outbox.sent(n)
            }
            // A failed connection drops what was written; a send waiting behind those bytes
            // then calls again and gets the connection's error.
            if failed && !st.poll.lingering { st.outbox.release() }
            guard st.poll.lingering && (st.outbox.isEmpty || failed) else { return false }
            st.poll.lingering = false
            releaseDescriptor(socket, &st)
            return true
        }
        if done { lingering.withLock { _ = $0.removeValue(forKey: socket.id) } }
    }

    /// Accepts every pending connection. Per-connection errors are counted and skipped;
    /// when descriptors or memory run out the loop retries after a pause (the pending
    /// connections raise no new edge); any other error ends the accept loop.
    func acceptAll(_ listener: Socket, _ stream: StreamState) {
        guard let onAccept = stream.onAccept else { return }
        while true {
            let status: CompletionStatus? = listener.state.withLock { st in
                guard !st.closed, !stream.ended else { return nil }
                switch attempt(listener, .accept, &st) {
                case .done(let s):
                    st.counters.record(.accept, s)
                    return s
                default: return nil
                }
            }
            switch status {
            case .accepted(let s)?:
                onAccept(s)
            case .error(.errno(let e))?:
                switch AcceptLoopError(e) {
                case .skip: continue
                case .pause:
                    // The loop's own timer: the runtime's would need a descriptor, and there
                    // are none left. The pending connections raise no new edge meanwhile.
                    let listenerBox = UncheckedBox(listener)
                    loop.after(AcceptLoopError.pauseDuration) { self.acceptAll(listenerBox.value, stream) }
                    return
                case .end:
                    end(listener, stream, .errno(e))
                    return
                }
            case .error(let e)?:
                end(listener, stream, e)
                return
            default:
                return
            }
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
            let n: Result<IOResult<Int>, Errno> = socket.state.withLock { st in
                guard !st.closed, !stream.ended else { return .failure(.ebadf) }
                do throws(Errno) {
                    let r = try sysRecv(socket.fileDescriptor, buffer, msgDontWait)
                    if case .done(let n) = r, n > 0 { st.counters.read(n) }
                    return .success(r)
                } catch {
                    return .failure(error)
                }
            }
            switch n {
            case .success(.wouldBlock):
                return
            case .success(.done(let n)) where n > 0:
                handler.received(UnsafeRawBufferPointer(rebasing: buffer[..<n]), on: socket)
                if n < buffer.count && !untilEnd { return }
                continue
            case .success(.done):
                end(socket, stream, .closed)
            case .failure(let e):
                end(socket, stream, e == .ebadf ? .closed : .errno(e))
            }
            return
        }
    }
}
