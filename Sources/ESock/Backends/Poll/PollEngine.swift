import CESockLinux
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The poll backend: epoll readiness with OTP's Unix (select) semantics.
///
/// A `nowait` call that cannot finish at once makes the caller the current waiter of its
/// direction (or queues it behind the current one) and returns a ``SelectInfo``. When the
/// socket becomes ready the current waiter alone gets `select` and must call again; the
/// others stay locked out until it has.
final class PollEngine: Engine {
    let kind = Backend.poll
    let nonblockingDescriptors = true
    let timesOutInKernel = false
    let loop: EpollLoop
    /// Closed sockets whose queued writes are still going out; kept alive until they are.
    let lingering = Lock<[UInt64: Socket]>([:])
    /// The loop thread's read buffer for streaming sockets (only the loop thread uses it).
    nonisolated(unsafe) let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)

    /// The group lives as long as the process and refers to this engine.
    unowned(unsafe) let group: LoopGroup
    let index: Int

    init(group: LoopGroup, index: Int) throws(SocketError) {
        self.group = group
        self.index = index
        let box = UncheckedBox(EngineReference())
        loop = try EpollLoop(name: "esock-epoll-\(index)") { socket, events in
            box.value.engine.ready(socket, events: events)
        }
        box.value.engine = self
    }

    /// The engine, for the loop's callback (engines live as long as the process).
    private final class EngineReference {
        unowned(unsafe) var engine: PollEngine! = nil
    }

    var details: [String: String] { ["mechanism": "epoll (edge-triggered)", "loops": "\(group.count)"] }

    var executor: any TaskExecutor { loop }

    func register(_ socket: Socket) throws(SocketError) {
        try loop.add(socket)
    }

    func onLoop(_ body: @escaping @Sendable () -> Void) { loop.execute(body) }

    func unwatch(id: UInt64, fd: Int32) { loop.remove(id: id, fd: fd) }

    func streamEnded(_ socket: Socket) { loop.pin(socket, false) }

    func begin(_ socket: Socket, _ request: Request, caller: Mailbox, handle: Handle?,
               deadline: ContinuousClock.Instant?) throws(SocketError) -> Begin {
        try socket.state.withLock { st throws(SocketError) -> Begin in
            let d = request.direction
            let tag = request.tag
            try checkOpen(st, for: d)
            if let cur = st[d].current, cur.caller === caller, cur.phase != .queued {
                // The current caller calls again (after `select`, or to replace its handle).
                // A connect is finished by connect(2) on its own address (connect/1 passes
                // none): unlike reading SO_ERROR, that makes the kernel mark the socket
                // connected, so a later connect gets EISCONN as it does on uring.
                let request = tag == .connect && cur.tag == .connect ? cur.request : request
                let outcome = sendWaitsForOutbox(st, d) ? .wouldBlock : attempt(socket, request, &st)
                switch outcome {
                case .done(let status):
                    finish(socket, d, tag, status, &st)
                    return .done(status)
                case .partial(let status):
                    st.counters.record(tag, status)
                    return .pending(wait(socket, cur, handle, request, d, &st), partial: status)
                case .wouldBlock:
                    return .pending(wait(socket, cur, handle, request, d, &st), partial: nil)
                }
            }
            let h = handle ?? Handle()
            if let queued = try queueIfBusy(socket, &st, request, caller: caller, handle: h, deadline: nil) { return queued }
            let outcome = sendWaitsForOutbox(st, d) ? .wouldBlock : attempt(socket, request, &st)
            let partial: CompletionStatus?
            switch outcome {
            case .done(let status):
                st.counters.record(tag, status)
                if tag == .connect { connectEnded(status, &st) }
                return .done(status)
            case .partial(let status): partial = status
            case .wouldBlock: partial = nil
            }
            let w = st[d].makeWaiter(caller: caller, handle: h, request: request, phase: .waiting, deadline: nil)
            st[d].current = w
            caller.involve(socket)
            st.counters.waited(d)
            if d == .write { wantOutput(socket, &st) }
            if tag == .connect { connectStarted(&st) }
            if let partial { st.counters.record(tag, partial) }
            return .pending(pendingInfo(tag, w.handle), partial: partial)
        }
    }

    /// Registers output interest, if not yet: a writer now waits for space.
    func wantOutput(_ socket: Socket, _ st: inout SocketState) {
        guard !st.poll.wantsOutput else { return }
        st.poll.wantsOutput = true
        loop.rearm(socket, output: true)
    }

    /// Drops output interest once nobody waits to write, on the first writable edge after
    /// (lazily, so a busy writer does not flip it for every send).
    func dropOutputIfIdle(_ socket: Socket, _ st: inout SocketState) {
        guard st.poll.wantsOutput, st[.write].current?.phase != .waiting, st.outbox.isEmpty else { return }
        st.poll.wantsOutput = false
        loop.rearm(socket, output: false)
    }

    /// The current waiter goes back to waiting for readiness, under a fresh handle.
    private func wait(_ socket: Socket, _ w: Waiter, _ handle: Handle?, _ request: Request, _ d: Direction,
                      _ st: inout SocketState) -> PendingInfo {
        if d == .write { wantOutput(socket, &st) }
        w.phase = .waiting
        w.handle = handle ?? Handle()
        w.request = request
        st.counters.waited(d)
        return .select(SelectInfo(tag: request.tag, handle: w.handle))
    }

    /// The current operation of `d` finished: the next caller in line gets `select`.
    private func finish(_ socket: Socket, _ d: Direction, _ tag: OperationTag, _ status: CompletionStatus,
                        _ st: inout SocketState) {
        st.counters.record(tag, status)
        if tag == .connect { connectEnded(status, &st) }
        activateNext(socket, d, &st)
    }

    private func activateNext(_ socket: Socket, _ d: Direction, _ st: inout SocketState) {
        if let done = st[d].current { st[d].retire(done) }
        st[d].current = nil
        if d == .write, admitWrites(&st) {
            // Re-registering re-evaluates readiness: a writable socket reports an edge at
            // once, and that edge sends the bytes just taken into the outbox.
            st.poll.wantsOutput = true
            loop.rearm(socket, output: true)
        }
        guard let next = st[d].queued.popFirst() else { return }
        // The next caller becomes current, and is told `select` only once the socket is
        // ready for it (as OTP does): now, if it already is; else on the next edge.
        next.phase = .waiting
        st[d].current = next
        if d == .write { wantOutput(socket, &st) }
        if d == .write && !st.outbox.isEmpty { return }
        if Self.isReady(socket.fileDescriptor, for: d) {
            next.phase = .selected
            next.caller.post(.select(socket, next.handle))
        }
    }

    /// Whether `fd` is ready now for an operation of direction `d` (data or a pending
    /// connection to read, room to write, or an error or hang-up that the call reports).
    private static func isReady(_ fd: Int32, for d: Direction) -> Bool {
        let errors = Int16(POLLERR) | Int16(POLLHUP)
        // poll(2) takes the epoll bit values; POLLRDHUP is not exported without _GNU_SOURCE.
        let wanted = d == .write ? Int16(POLLOUT) : Int16(POLLIN) | Int16(truncatingIfNeeded: EPOLLRDHUP.rawValue)
        return sysPollNow(fd, wanted) & (wanted | errors) != 0
    }

    /// Called on the loop thread when epoll reports `events` for `socket`.
    func ready(_ socket: Socket, events: UInt32) {
        // Streaming sockets are connected, so their hang-ups are real. A streaming socket
        // may still have a caller waiting to send: its edge must reach that caller too.
        let err = EPOLLERR.rawValue | EPOLLHUP.rawValue
        let writableEvent = events & (EPOLLOUT.rawValue | err) != 0
        let streaming = streamReady(socket, readable: events & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue | err) != 0,
                                    writable: writableEvent, hangup: events & (EPOLLRDHUP.rawValue | err) != 0)
        // A streaming socket's reads belong to its handler: only a writable edge can concern
        // a caller (a sender), so input edges take no second lock.
        if streaming && !writableEvent { return }
        socket.state.withLock { st in
            if streaming && st[.write].current == nil { return }
            guard !st.closed else { return }
            // epoll reports a TCP socket that is neither connected nor listening as hung up
            // (and writable), and registering it at open queues that event, which we may
            // see only after the socket connected or started listening and a caller waits.
            // A real hang-up is rare: on one, ask what the socket is ready for now.
            var events = events
            if events & EPOLLHUP.rawValue != 0 { events = Self.readiness(socket.fileDescriptor) }
            let err = EPOLLERR.rawValue | EPOLLHUP.rawValue
            let readable = events & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue | err) != 0
            let writable = events & (EPOLLOUT.rawValue | err) != 0
            for d in Direction.allCases {
                guard d == .write ? writable : readable else { continue }
                guard let w = st[d].current, w.phase == .waiting else { continue }
                // A sender waits for written bytes to go out first.
                if d == .write && !st.outbox.isEmpty { continue }
                w.phase = .selected
                w.caller.post(.select(socket, w.handle))
            }
            if writable { dropOutputIfIdle(socket, &st) }
        }
    }

    /// What `fd` is ready for now, as epoll event bits (poll(2) uses the same values).
    /// poll(2) leaves a pending error (SO_ERROR) for the call that reports it.
    private static func readiness(_ fd: Int32) -> UInt32 {
        let wanted = EPOLLIN.rawValue | EPOLLOUT.rawValue | EPOLLRDHUP.rawValue
        return UInt32(UInt16(bitPattern: sysPollNow(fd, Int16(truncatingIfNeeded: wanted))))
    }

    func cancel(_ socket: Socket, _ info: PendingInfo, caller: Mailbox) throws(SocketError) {
        try socket.state.withLock { st throws(SocketError) in
            if st.closed { throw .closed }
            let d = Direction(info.tag)
            if cancelQueued(&st, info, caller: caller) { return }
            if let cur = st[d].current, cur.caller === caller, cur.handle == info.handle {
                _ = caller.purge(socket: socket, handle: info.handle)
                if cur.tag == .connect { connectEnded(nil, &st) }
                activateNext(socket, d, &st)
                return
            }
            throw .invalid(.info("no \(info.tag) operation \(info.handle) of this caller"))
        }
    }

    /// poll sends only while the caller calls, so nothing is ever left to settle.
    func cancel(_ socket: Socket, _ info: PendingInfo, caller: Mailbox, settle: Bool) throws(SocketError) -> Bool {
        try cancel(socket, info, caller: caller)
        return false
    }

    func close(_ socket: Socket) throws(SocketError) {
        let stream = try socket.state.withLock { st throws(SocketError) -> StreamState? in
            if st.closed { throw .closed }
            markClosed(socket, &st)
            _ = abortAll(socket, &st, reason: .closed)
            if st.outbox.isEmpty {
                releaseDescriptor(socket, &st)
            } else {
                // Written bytes still queued: like a kernel socket buffer, they go out before
                // the descriptor closes (the next writable edges flush them).
                st.poll.lingering = true
                wantOutput(socket, &st)
            }
            return st.stream
        }
        if socket.state.withLock({ $0.poll.lingering }) {
            lingering.withLock { $0[socket.id] = socket }
            flush(socket)
        }
        if let stream { endOnLoop(socket, stream, .closed) }
    }
}
