import CURing
#if canImport(Glibc)
import Glibc
#endif

/// The streaming fast path on io_uring: a multishot recv per socket into the loop's shared
/// provided-buffer ring, lent to the handler without a copy; a multishot accept; one send in
/// flight per socket from its outbox. No allocation and no continuation per message.
extension URingEngine {
    func startStream(_ socket: Socket, _ handler: any StreamHandler) throws(SocketError) {
        guard loop.hasBufferRing, probe.supportsMultishot else {
            throw .invalid(.backend("io_uring multishot receive into provided buffers needs Linux 6.0+ (this is \(probe.kernel.major).\(probe.kernel.minor)); use the poll backend for streaming"))
        }
        let stream = StreamState(handler: handler, onAccept: nil)
        let kept = try socket.state.withLock { st throws(SocketError) -> [UInt8]? in
            try claimStream(socket, stream, &st, whileDraining: true)
            st.uring.inFlight += 1
            // A receive cancelled just before is still finishing: its bytes come first, so
            // the stream starts when its last completion has been handled (`completed`).
            if st[.read].draining != nil {
                st.uring.streamStartsAfterDrain = true
                return nil
            }
            return st.uring.stash.takeAllBytes()
        }
        if let kept { beginStreaming(socket, stream, handler, kept) }
    }

    /// Hands `kept` (bytes kept from receives cancelled too late) to the handler, then arms
    /// the multishot receive. Commands run in order, so the handler has those bytes before
    /// the receive delivers anything.
    func beginStreaming(_ socket: Socket, _ stream: StreamState, _ handler: any StreamHandler, _ kept: [UInt8]) {
        if !kept.isEmpty {
            loop.send(.call {
                guard !stream.ended else { return }
                kept.withUnsafeBytes { handler.received($0, on: socket) }
            })
        }
        loop.send(.recvMultishot(socket))
    }

    func startAccepting(_ listener: Socket, _ acceptLoop: StreamState) throws(SocketError) {
        guard probe.supportsMultishotAccept else {
            throw .invalid(.backend("io_uring multishot accept needs Linux 5.19+ (this is \(probe.kernel.major).\(probe.kernel.minor)); use the poll backend for accept loops"))
        }
        let kept = try listener.state.withLock { st throws(SocketError) -> [Socket] in
            try claimStream(listener, acceptLoop, &st)
            st.uring.inFlight += 1
            return st.uring.stash.drainAccepted()
        }
        // Connections kept from accepts cancelled too late are handed over first.
        if !kept.isEmpty, let onAccept = acceptLoop.onAccept {
            loop.send(.call { for s in kept { onAccept(s) } })
        }
        loop.send(.acceptMultishot(listener))
    }

    func write(_ socket: Socket, _ bytes: UnsafeRawBufferPointer) throws(SocketError) {
        try socket.state.withLock { st throws(SocketError) in
            if st.closed { throw .closed }
            // Send calls before these bytes go first, each whole.
            if st[.write].isBusy {
                st[.write].queued.append(.write(bytes))
                return
            }
            // Bytes of the buffer lent to the handler now go out from it, uncopied, when
            // nothing waits before them.
            if st.outbox.isEmpty && !st.outbox.sending, let bid = loop.borrow(bytes) {
                st.outbox.borrow(bytes, buffer: bid)
            } else {
                st.outbox.append(bytes)
            }
            if !st.outbox.sending { sendNext(socket, &st) }
        }
    }

    /// Submits the outbox's bytes in flight, if any.
    func sendNext(_ socket: Socket, _ st: inout SocketState) {
        let b = st.outbox.next()
        guard b.count > 0 else { return }
        st.outbox.sending = true
        st.uring.inFlight += 1
        loop.send(.send(socket, UncheckedBox(b.baseAddress!), b.count))
    }

    /// Called on the loop thread with each streaming CQE.
    func streamCompleted(_ kind: URingLoop.StreamKind, _ socket: Socket, _ res: Int32, _ flags: UInt32) {
        let more = flags & esock_cqe_f_more != 0
        switch kind {
        case .recv: received(socket, res, flags, more: more)
        case .accept: acceptedMultishot(socket, res, more: more)
        case .acceptPause: acceptAgain(socket)
        case .send: sent(socket, res)
        }
    }

    /// A multishot receive's CQE. Its last one (no F_MORE) stays counted in `inFlight` until
    /// the decision to re-arm or to finish closing is taken, in one locked section: a close
    /// on another thread meanwhile must not see 0 and close the descriptor under us.
    private func received(_ socket: Socket, _ res: Int32, _ flags: UInt32, more: Bool) {
        let (stream, closed) = socket.state.withLock { st in
            if res > 0 { st.counters.read(Int(res)) }
            return (st.stream, st.closed)
        }
        if flags & esock_cqe_f_buffer != 0 {
            let bid = UInt16(flags >> esock_cqe_buffer_shift)
            if res > 0, let stream, let handler = stream.handler, !closed, !stream.ended {
                handler.received(loop.lend(bid, count: Int(res)), on: socket)
                // A write kept the buffer: its send gives it back.
                if !loop.endLoan() { loop.recycle(bid) }
            } else {
                loop.recycle(bid)
            }
        }
        guard !more else { return }
        // The multishot recv ended: re-arm it, park it until buffers return, or end the stream.
        let rearm: Bool = socket.state.withLock { st in
            st.uring.inFlight -= 1
            if st.closed { finishClose(socket, &st); return false }
            guard res > 0 || res == -ENOBUFS || res == -EAGAIN || res == -EINTR else { return false }
            st.uring.inFlight += 1
            return true
        }
        if rearm {
            if res == -ENOBUFS { loop.starve(socket) } else { loop.send(.recvMultishot(socket)) }
            return
        }
        guard let stream else { return }
        let reason: SocketError = res == 0 || res == -ECANCELED || closed ? .closed : .errno(Errno(rawValue: -res))
        end(socket, stream, reason)
    }

    /// A multishot accept's CQE. Per-connection errors re-arm it, exhaustion pauses it, any
    /// other error ends the loop and is reported (see ``AcceptLoopError``).
    private func acceptedMultishot(_ listener: Socket, _ res: Int32, more: Bool) {
        let (stream, status): (StreamState?, CompletionStatus?) = listener.state.withLock { st in
            guard res >= 0 else {
                if res != -ECANCELED { st.counters.record(.accept, .error(.errno(Errno(rawValue: -res)))) }
                return (st.stream, nil)
            }
            if st.closed { sysClose(res); return (nil, nil) }
            let s = accepted(fd: res, from: listener, owner: st.owner)
            st.counters.record(.accept, s)
            return (st.stream, s)
        }
        if case .accepted(let s)? = status, let stream, !stream.ended { stream.onAccept?(s) }
        guard !more else { return }
        enum Next { case rearm, pause, end(SocketError) }
        let next: Next = listener.state.withLock { st in
            st.uring.inFlight -= 1
            if st.closed { finishClose(listener, &st); return .end(.closed) }
            var next = Next.rearm
            if res < 0 {
                let e = Errno(rawValue: -res)
                switch AcceptLoopError(e) {
                case .skip: next = .rearm
                case .pause: next = .pause
                case .end: return .end(.errno(e))
                }
            }
            st.uring.inFlight += 1
            return next
        }
        switch next {
        case .rearm: loop.send(.acceptMultishot(listener))
        case .pause: loop.send(.acceptLater(listener))
        case .end(let reason): if let stream { end(listener, stream, reason) }
        }
    }

    /// An accept loop's pause is over: accept again, unless the listener closed meanwhile.
    private func acceptAgain(_ listener: Socket) {
        let (stream, open): (StreamState?, Bool) = listener.state.withLock { st in
            st.uring.inFlight -= 1
            if st.closed { finishClose(listener, &st); return (st.stream, false) }
            st.uring.inFlight += 1
            return (st.stream, true)
        }
        if open { loop.send(.acceptMultishot(listener)) } else if let stream { end(listener, stream, .closed) }
    }

    private func sent(_ socket: Socket, _ res: Int32) {
        // See URingOperation: a descriptor made non-blocking behind ESock's back.
        if res == -EAGAIN { try? sysClearNonblocking(socket.fileDescriptor) }
        let giveBack: UInt16? = socket.state.withLock { st in
            st.uring.inFlight -= 1
            st.outbox.sending = false
            var giveBack: UInt16?
            if res > 0 {
                st.counters.record(.send, .sent(Int(res)))
                giveBack = st.outbox.sent(Int(res))
            }
            // Queued bytes go out even after close (as from a kernel socket buffer); a failed
            // connection drops them. An interrupted send is sent again.
            let retry = res > 0 || res == -EAGAIN || res == -EINTR
            if retry && !st.outbox.isEmpty {
                sendNext(socket, &st)
            } else {
                if !retry, let bid = st.outbox.release() { giveBack = bid }
                if st.closed { finishClose(socket, &st) }
            }
            // A send call that waited for the written bytes goes now.
            if !st.closed, !st.outbox.sending, st.outbox.isEmpty, let cur = st[.write].current, cur.inFlight == nil {
                submit(socket, cur, &st)
            }
            return giveBack
        }
        if let giveBack { loop.recycle(giveBack) }
    }

    /// Closes the descriptor once the last kernel operation on a closed socket has ended.
    func finishClose(_ socket: Socket, _ st: inout SocketState) {
        guard st.closed, st.uring.inFlight == 0 else { return }
        releaseDescriptor(socket, &st)
    }
}
