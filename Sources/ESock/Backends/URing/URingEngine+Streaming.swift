import CURing
#if canImport(Glibc)
import Glibc
#endif

/// The streaming fast path on io_uring: a multishot recv per socket into the loop's shared
/// provided-buffer ring, lent to the handler without a copy; a multishot accept; one send in
/// flight per socket from its outbox. No allocation and no continuation per message.
extension URingEngine {
    func startStream(_ socket: Socket, _ handler: any StreamHandler) throws(SocketError) {
        guard loop.hasBufferRing else {
            throw .invalid(.backend("io_uring provided-buffer rings are unavailable (Linux 5.19+ needed)"))
        }
        try socket.state.withLock { st throws(SocketError) in
            try claimStream(socket, StreamState(handler: handler, onAccept: nil), &st)
            st.inFlight += 1
        }
        loop.send(.recvMultishot(socket))
    }

    func startAccepting(_ listener: Socket, _ onAccept: @escaping @Sendable (Socket) -> Void) throws(SocketError) {
        try listener.state.withLock { st throws(SocketError) in
            try claimStream(listener, StreamState(handler: nil, onAccept: onAccept), &st)
            st.inFlight += 1
        }
        loop.send(.acceptMultishot(listener))
    }

    func write(_ socket: Socket, _ bytes: UnsafeRawBufferPointer) throws(SocketError) {
        try socket.state.withLock { st throws(SocketError) in
            if st.closed { throw .closed }
            st.outbox.append(bytes)
            if !st.outbox.sending { sendNext(socket, &st) }
        }
    }

    /// Submits the outbox's bytes in flight, if any.
    private func sendNext(_ socket: Socket, _ st: inout SocketState) {
        st.outbox.promote()
        let b = st.outbox.flight.readable
        guard b.count > 0 else { return }
        st.outbox.sending = true
        st.inFlight += 1
        loop.send(.send(socket, UncheckedBox(b.baseAddress!), b.count))
    }

    /// Called on the loop thread with each streaming CQE.
    func streamCompleted(_ kind: URingLoop.StreamKind, _ socket: Socket, _ res: Int32, _ flags: UInt32) {
        let more = flags & esock_cqe_f_more != 0
        switch kind {
        case .recv: received(socket, res, flags, more: more)
        case .accept: acceptedMultishot(socket, res, more: more)
        case .send: sent(socket, res)
        }
    }

    private func received(_ socket: Socket, _ res: Int32, _ flags: UInt32, more: Bool) {
        let (stream, closed) = socket.state.withLock { st in
            if res > 0 { st.counters.read(Int(res)) }
            if !more { st.inFlight -= 1 }
            return (st.stream, st.closed)
        }
        if res > 0, flags & esock_cqe_f_buffer != 0 {
            let bid = UInt16(flags >> esock_cqe_buffer_shift)
            if let handler = stream?.handler, !closed {
                handler.received(loop.buffer(bid, count: Int(res)), on: socket)
            }
            loop.recycle(bid)
        }
        guard !more else { return }
        // The multishot recv ended: re-arm it, park it until buffers return, or end the stream.
        let rearm: Bool = socket.state.withLock { st in
            if st.closed { finishClose(socket, &st); return false }
            guard res > 0 || res == -ENOBUFS else { return false }
            st.inFlight += 1
            return true
        }
        if rearm {
            if res == -ENOBUFS { loop.starve(socket) } else { loop.send(.recvMultishot(socket)) }
            return
        }
        guard let stream, let handler = stream.handler else { return }
        let reason: SocketError = res == 0 || res == -ECANCELED || closed ? .closed : .errno(Errno(rawValue: -res))
        end(socket, stream, handler, reason)
    }

    private func acceptedMultishot(_ listener: Socket, _ res: Int32, more: Bool) {
        let (stream, status): (StreamState?, CompletionStatus?) = listener.state.withLock { st in
            if !more { st.inFlight -= 1 }
            guard res >= 0 else { return (st.stream, nil) }
            if st.closed { sysClose(res); return (nil, nil) }
            let s = accepted(fd: res, from: listener)
            st.counters.record(.accept, s)
            return (st.stream, s)
        }
        if case .accepted(let s)? = status { stream?.onAccept?(s) }
        guard !more else { return }
        let rearm: Bool = listener.state.withLock { st in
            if st.closed { finishClose(listener, &st); return false }
            st.inFlight += 1
            return true
        }
        if rearm { loop.send(.acceptMultishot(listener)) }
    }

    private func sent(_ socket: Socket, _ res: Int32) {
        socket.state.withLock { st in
            st.inFlight -= 1
            st.outbox.sending = false
            if res > 0 {
                st.counters.record(.send, .sent(Int(res)))
                st.outbox.sent(Int(res))
            }
            // Queued bytes go out even after close (as from a kernel socket buffer); a failed
            // connection drops them.
            if res > 0 && !st.outbox.isEmpty {
                sendNext(socket, &st)
            } else if st.closed {
                finishClose(socket, &st)
            } else if res <= 0 {
                st.outbox.release()
            }
        }
    }

    /// Closes the descriptor once the last kernel operation on a closed socket has ended.
    func finishClose(_ socket: Socket, _ st: inout SocketState) {
        guard st.closed, st.inFlight == 0 else { return }
        sysClose(socket.fileDescriptor)
        st.outbox.release()
    }
}
