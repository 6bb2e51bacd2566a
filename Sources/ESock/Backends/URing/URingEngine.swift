#if canImport(Glibc)
import Glibc
#endif

/// The uring backend: io_uring with completion semantics (OTP's Windows model on Linux).
///
/// A `nowait` call first tries a send or receive without blocking; what cannot finish at
/// once becomes a kernel operation (IORING_OP_ACCEPT, CONNECT, RECV, SEND, RECVMSG,
/// SENDMSG) and the call returns a ``CompletionInfo``. The caller's mailbox later gets
/// `completion` with the result; no second call is needed. Cancelled operations that the
/// kernel finished anyway leave their result in the socket's stash for the next caller.
final class URingEngine: Engine {
    let kind = Backend.uring
    let nonblockingDescriptors = false
    let timesOutInKernel = true
    let loop: URingLoop
    let probe: URingProbe
    /// The group lives as long as the process and refers to this engine.
    unowned(unsafe) let group: LoopGroup
    let index: Int

    init(probe: URingProbe, group: LoopGroup, index: Int) throws(SocketError) {
        self.probe = probe
        self.group = group
        self.index = index
        let box = UncheckedBox(WeakEngine())
        loop = try URingLoop(flags: probe.setupFlags, name: "esock-uring-\(index)") { op, res in
            box.value.engine?.completed(op, res)
        }
        box.value.engine = self
        loop.onStream = { kind, socket, res, flags in
            box.value.engine?.streamCompleted(kind, socket, res, flags)
        }
    }

    private final class WeakEngine { weak var engine: URingEngine? }

    var executor: any TaskExecutor { loop }

    var details: [String: String] {
        ["mechanism": "io_uring", "loops": "\(group.count)",
         "setup_flags": probe.setupFlagNames.isEmpty ? "none" : probe.setupFlagNames.joined(separator: "|"),
         "multishot": probe.supportsMultishot ? "yes" : "no (Linux 6.0+ needed for streaming)",
         "cancel_by_fd": probe.supportsCancelByDescriptor ? "yes" : "no (each operation is cancelled by itself)"]
    }

    func register(_ socket: Socket) throws(SocketError) {}

    func onLoop(_ body: @escaping @Sendable () -> Void) { loop.send(.call(body)) }

    func unwatch(id: UInt64, fd: Int32) {}

    func streamEnded(_ socket: Socket) {}

    private static func directlyTried(_ tag: OperationTag) -> Bool {
        // sendfile(2) on the blocking descriptor would block the caller: it goes to the
        // kernel as splices at once.
        tag != .accept && tag != .connect && tag != .sendfile
    }

    func begin(_ socket: Socket, _ request: Request, caller: Mailbox, handle: Handle?,
               deadline: ContinuousClock.Instant?) throws(SocketError) -> Begin {
        try socket.state.withLock { st throws(SocketError) -> Begin in
            let d = request.direction
            let tag = request.tag
            try checkOpen(st, for: d)
            let h = handle ?? Handle()
            if let queued = try queueIfBusy(socket, &st, request, caller: caller, handle: h, deadline: deadline) { return queued }
            let stream = socket.type == .stream
            var request = request
            var partial: CompletionStatus?
            if let (kept, _) = st.uring.stash.take(for: request, stream: stream) {
                guard case .more(let bytes) = kept else { return .done(kept) }
                partial = .data(bytes)
                request = request.remaining(after: bytes.count)
            } else if !Self.directlyTried(tag) {
                // An accept goes to the kernel at once: that is its try (OTP's acc_tries).
                if d == .accept { st.counters.tried(d) }
            } else if !sendWaitsForOutbox(st, d) {
                switch attempt(socket, request, &st) {
                case .done(let status):
                    st.counters.record(tag, status)
                    return .done(status)
                case .partial(let status):
                    st.counters.record(tag, status)
                    partial = status
                    if case .data(let bytes) = status { request = request.remaining(after: bytes.count) }
                    if case .sent(let n) = status { request = request.advanced(by: n) }
                case .wouldBlock:
                    break
                }
            }
            let w = st[d].makeWaiter(caller: caller, handle: h, request: request, phase: .waiting, deadline: deadline)
            st[d].current = w
            caller.involve(socket)
            st.counters.waited(d)
            if tag == .connect { connectStarted(&st) }
            // A send waits (current, not in the kernel) until written bytes have gone out.
            if !sendWaitsForOutbox(st, d) { submit(socket, w, &st) }
            return .pending(pendingInfo(tag, h), partial: partial)
        }
    }

    func submit(_ socket: Socket, _ w: Waiter, _ st: inout SocketState) {
        let op: URingOperation
        if let spare = loop.reusableOperation() {
            spare.start(socket: socket, waiter: w, rcvbuf: st.otp.rcvbuf)
            op = spare
        } else {
            op = URingOperation(socket: socket, waiter: w, rcvbuf: st.otp.rcvbuf)
        }
        w.inFlight = op
        st.uring.inFlight += 1
        loop.send(.submit(op))
    }

    /// Called on the loop thread with each operation's final CQE result.
    func completed(_ op: URingOperation, _ res: Int32) {
        let socket: Socket = op.socket
        socket.state.withLock { st in
            let closed = st.closed
            let outcome = op.complete(res) { fd in
                if closed { sysClose(fd); return .error(.closed) }
                return accepted(fd: fd, from: socket, owner: st.owner)
            }
            let status: CompletionStatus
            switch outcome {
            case .resubmit where !op.cancelled && !st.closed:
                loop.send(.submit(op))
                return
            case .resubmit:
                status = op.bytesSent > 0 ? .sent(op.bytesSent) : .error(.closed)
            case .final(let s):
                status = s
            }
            st.uring.inFlight -= 1
            let d = op.direction
            op.waiter.inFlight = nil
            if op.cancelled {
                if st[d].draining === op { st[d].draining = nil }
                // An awaiting send that gave up still learns how much of it went out.
                if op.settles && !st.closed { op.waiter.caller.post(.completion(socket, op.waiter.handle, .sent(op.bytesSent))) }
                let startStream = d == .read && st.uring.streamStartsAfterDrain
                if startStream { st.uring.streamStartsAfterDrain = false }
                if st.closed {
                    if startStream { st.uring.inFlight -= 1 }  // the multishot receive never started
                    if case .accepted(let s) = status { try? s.engine.close(s) }
                    finishClose(socket, &st)
                    return
                }
                // A peek's bytes are still in the socket: keeping them would hand them out twice.
                if !op.request.isPeek {
                    // What the kernel read is counted now, once: the caller who gets it from
                    // the stash later is not counted again.
                    switch status {
                    case .data, .more, .datagram, .message, .accepted: st.counters.record(op.request.tag, status)
                    default: break
                    }
                    st.uring.stash.keep(status, stream: socket.type == .stream)
                }
                if startStream, let stream = st.stream, let handler = stream.handler {
                    beginStreaming(socket, stream, handler, st.uring.stash.takeAllBytes())
                    return
                }
                activateNext(socket, d, &st)
                return
            }
            if st[d].current === op.waiter { st[d].current = nil }
            let tag = op.waiter.tag
            st.counters.record(tag, status)
            if tag == .connect { connectEnded(status, &st) }
            if d != .write { st.uring.stash.posted(op.waiter.handle, peek: op.request.isPeek) }
            if case .accepted(let a) = status { a.acceptedBy(op.waiter.caller) }
            op.waiter.caller.post(.completion(socket, op.waiter.handle, status))
            st[d].retire(op.waiter)
            activateNext(socket, d, &st)
        }
    }

    /// Starts the next queued operation of `d`, serving it from the stash when possible.
    private func activateNext(_ socket: Socket, _ d: Direction, _ st: inout SocketState) {
        guard st[d].current == nil, st[d].draining == nil else { return }
        if d == .write, admitWrites(&st), !st.outbox.sending { sendNext(socket, &st) }
        while let next = st[d].queued.popFirst() {
            if let (kept, place) = st.uring.stash.take(for: next.request, stream: socket.type == .stream) {
                st.uring.stash.posted(next.handle, peek: next.request.isPeek, place: place)
                if case .accepted(let a) = kept { a.acceptedBy(next.caller) }
                next.caller.post(.completion(socket, next.handle, kept))
                continue
            }
            next.phase = .waiting
            st[d].current = next
            if d == .accept { st.counters.tried(d) }
            if !sendWaitsForOutbox(st, d) { submit(socket, next, &st) }
            return
        }
    }

    func cancel(_ socket: Socket, _ info: PendingInfo, caller: Mailbox) throws(SocketError) {
        _ = try cancel(socket, info, caller: caller, settle: false)
    }

    func cancel(_ socket: Socket, _ info: PendingInfo, caller: Mailbox, settle: Bool) throws(SocketError) -> Bool {
        try socket.state.withLock { st throws(SocketError) -> Bool in
            if st.closed { throw .closed }
            let d = Direction(info.tag)
            if cancelQueued(&st, info, caller: caller) { return false }
            if let cur = st[d].current, cur.caller === caller, cur.handle == info.handle, cur.inFlight == nil {
                // A send still waiting for written bytes to go out: nothing is in the kernel.
                st[d].current = nil
                activateNext(socket, d, &st)
                return false
            }
            if let cur = st[d].current, cur.caller === caller, cur.handle == info.handle,
               let op = cur.inFlight {
                op.cancelled = true
                st[d].current = nil
                st[d].draining = op
                if cur.tag == .connect { connectEnded(nil, &st) }
                // Only a send has a count to settle (a connect has nothing to report).
                op.settles = settle && op.request.unsentData != nil
                loop.send(.cancel(op))
                return op.settles
            }
            // Finished already, but the caller has not taken the message: take back a receive
            // or an accept and keep its result for the next caller. A finished send or connect
            // cannot be undone: its message stays, and the caller learns it finished.
            if d == .write, caller.contains(socket: socket, handle: info.handle) {
                throw .invalid(.info("\(info.tag) operation \(info.handle) already completed; its message is in the mailbox"))
            }
            if case .completion(_, _, let status)? = caller.purge(socket: socket, handle: info.handle) {
                // The caller never took the connection: it is not the caller's to own.
                if case .accepted(let a) = status { a.handedBack(by: caller, to: st.owner) }
                st.uring.stash.takeBack(status, handle: info.handle, stream: socket.type == .stream)
                return false
            }
            throw .invalid(.info("no \(info.tag) operation \(info.handle) of this caller"))
        }
    }

    func close(_ socket: Socket) throws(SocketError) {
        let stream = try socket.state.withLock { st throws(SocketError) -> StreamState? in
            if st.closed { throw .closed }
            markClosed(socket, &st)
            for d in Direction.allCases {
                if let op = st[d].current?.inFlight {
                    op.cancelled = true
                    st[d].draining = op
                }
            }
            _ = abortAll(socket, &st, reason: .closed)
            for s in st.uring.stash.drainAccepted() { try? s.engine.close(s) }
            st.uring.stash.discardAll()
            st.uring.stash = Stash()
            if !st.outbox.sending && !st.outbox.isEmpty { sendNext(socket, &st) }
            if st.outbox.sending || (st.uring.inFlight > 0 && !probe.supportsCancelByDescriptor) {
                // Queued writes still go out, so cancel everything but the send (and kernels
                // without cancel-by-descriptor get each operation cancelled by itself); the
                // descriptor closes after the last completion.
                for d in Direction.allCases {
                    if let op = st[d].draining as? URingOperation { loop.send(.cancel(op)) }
                }
                if st.stream != nil { loop.send(.cancelStream(socket)) }
            } else if st.uring.inFlight > 0 {
                // The descriptor closes when the last of these operations has completed.
                loop.send(.cancelDescriptor(socket.fileDescriptor))
            } else {
                releaseDescriptor(socket, &st)
            }
            return st.stream
        }
        if let stream { endOnLoop(socket, stream, .closed) }
    }
}
