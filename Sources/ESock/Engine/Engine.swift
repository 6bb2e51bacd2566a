import Dispatch
/// The outcome of starting (or retrying) an operation.
enum Begin {
    /// Finished at once with this result.
    case done(CompletionStatus)
    /// Pending; a message with the info's handle will arrive. `partial` is what already
    /// moved (received bytes, or `.sent(n)`).
    case pending(PendingInfo, partial: CompletionStatus?)
}

/// What a backend is: the one place where the select (poll) and completion (uring) models
/// differ. Everything else (arguments, blocking calls, timeouts, the public API) is shared.
protocol Engine: AnyObject, Sendable {
    /// `.poll` or `.uring`.
    var kind: Backend { get }
    /// The group of loops this engine's loop belongs to.
    var group: LoopGroup { get }
    /// The loop's place in its group (0-based).
    var index: Int { get }
    /// poll: descriptors are O_NONBLOCK. uring: they stay blocking (io_uring would
    /// otherwise fail operations with EAGAIN instead of waiting).
    var nonblockingDescriptors: Bool { get }
    /// uring: finite timeouts are linked to the kernel operation, so a blocking call waits
    /// for the completion without a timer of its own.
    var timesOutInKernel: Bool { get }

    /// Starts watching a new socket.
    func register(_ socket: Socket) throws(SocketError)
    /// Starts, or (poll, the current caller) retries, an operation for `caller`.
    func begin(_ socket: Socket, _ request: Request, caller: Mailbox, handle: Handle?,
               deadline: ContinuousClock.Instant?) throws(SocketError) -> Begin
    /// Cancels `caller`'s operation `info`: afterwards no message of it is in, or will reach,
    /// the caller's mailbox.
    func cancel(_ socket: Socket, _ info: PendingInfo, caller: Mailbox) throws(SocketError)
    /// Cancels like ``cancel(_:_:caller:)``; with `settle`, a send already in the kernel
    /// still reports how much of it went out, in one last `.sent` message to the caller
    /// (for awaiting calls, whose mailbox is their own). Returns whether that message comes.
    func cancel(_ socket: Socket, _ info: PendingInfo, caller: Mailbox, settle: Bool) throws(SocketError) -> Bool
    /// Closes the socket, aborting every waiting caller.
    func close(_ socket: Socket) throws(SocketError)
    /// The backend's description for `info()`.
    var details: [String: String] { get }
    /// Runs tasks on the backend's loop thread (see ``SocketAPI/executor``).
    var executor: any TaskExecutor { get }

    /// Runs `body` on the backend's loop thread, after what the loop is doing now. Stream
    /// handlers are only ever called there, so their calls never overlap.
    func onLoop(_ body: @escaping @Sendable () -> Void)
    /// Stops watching the descriptor of a socket that is about to close it (poll: leaves the
    /// epoll set; uring: nothing to do). Called with the socket's lock held, or from its
    /// deinit with `socket` nil.
    func unwatch(id: UInt64, fd: Int32)

    /// The stream or accept loop on `socket` has ended (poll: the loop stops keeping the
    /// socket alive for it).
    func streamEnded(_ socket: Socket)

    /// Starts the streaming fast path on `socket` (see ``StreamHandler``).
    func startStream(_ socket: Socket, _ handler: any StreamHandler) throws(SocketError)
    /// Queues bytes for sending; one send in flight per socket.
    func write(_ socket: Socket, _ bytes: UnsafeRawBufferPointer) throws(SocketError)
    /// Starts accepting continuously on `listener` (`loop.onAccept` gets each connection).
    func startAccepting(_ listener: Socket, _ loop: StreamState) throws(SocketError)
}

extension Engine {
    /// Opens a descriptor suited to this engine and wraps it in a registered ``Socket``.
    func open(_ domain: Domain, _ type: SocketType, _ proto: SocketProtocol,
              useRegistry: Bool?, label: String, owner: Mailbox?) throws(SocketError) -> Socket {
        let fd: Int32
        do throws(Errno) {
            fd = try sysSocket(domain.raw, type.raw, proto.raw, nonblocking: nonblockingDescriptors)
        } catch {
            throw .errno(error)
        }
        return try adopt(fd: fd, domain: domain, type: type,
                         protocol: SocketProtocol.resolved(proto, domain: domain, type: type),
                         useRegistry: useRegistry, label: label, owner: owner, connected: false)
    }

    /// Wraps a descriptor (new, or accepted) in a ``Socket`` and starts watching it.
    func adopt(fd: Int32, domain: Domain, type: SocketType, protocol proto: SocketProtocol,
               useRegistry: Bool?, label: String, owner: Mailbox?, connected: Bool) throws(SocketError) -> Socket {
        let s = Socket(fd: fd, domain: domain, type: type, protocol: proto, engine: self,
                       usesRegistry: useRegistry ?? SocketRegistry.enabled, label: label, owner: owner,
                       connected: connected)
        do {
            try register(s)
        } catch {
            s.state.withLock { st in
                st.closed = true
                releaseDescriptor(s, &st)
            }
            throw error
        }
        if s.usesRegistry { SocketRegistry.add(s) }
        return s
    }

    /// The socket accepted on descriptor `fd` from `listener`. It starts with the listener's
    /// label and owner; a caller's own accept then makes that caller its owner.
    /// Called with the listener's lock held: `owner` is the listener's (from its state).
    func accepted(fd: Int32, from listener: Socket, owner: Mailbox?) -> CompletionStatus {
        do {
            // Connections are spread over the group's loops, not kept on the listener's.
            let s = try group.next().adopt(fd: fd, domain: listener.domain, type: listener.type, protocol: listener.protocol,
                              useRegistry: listener.usesRegistry, label: listener.label,
                              owner: owner, connected: true)
            return .accepted(s)
        } catch {
            return .error(error)
        }
    }

    /// Claims the read side (or the accept side) of `socket` for streaming.
    /// With `whileDraining`, a cancelled kernel operation still finishing does not stand in
    /// the way (the caller starts the stream once it has finished).
    func claimStream(_ socket: Socket, _ stream: StreamState, _ st: inout SocketState,
                     whileDraining: Bool = false) throws(SocketError) {
        if st.closed { throw .closed }
        let d: Direction = stream.onAccept == nil ? .read : .accept
        guard st.stream == nil, st[d].current == nil, st[d].queued.isEmpty,
              whileDraining || st[d].draining == nil else { throw .invalid(.state) }
        st.stream = stream
    }

    /// Closes the socket's descriptor, exactly once whatever path gets here first (close,
    /// the last kernel operation ending, a lingering outbox drained). The number may belong
    /// to another socket a moment later, so a second close would hit that one.
    func releaseDescriptor(_ socket: Socket, _ st: inout SocketState) {
        guard !st.descriptorClosed else { return }
        st.descriptorClosed = true
        let fd = socket.fileDescriptor
        unwatch(id: socket.id, fd: fd)
        // A lingering close blocks for up to its timeout: never on a loop thread, which
        // serves every other socket.
        if LoopThread.current && sysLingers(fd) {
            DispatchQueue.global().async { sysClose(fd) }
        } else {
            sysClose(fd)
        }
        st.outbox.release()
    }

    /// Whether a send call that would be current must wait for the outbox first: bytes
    /// written before it go out before its own, and never interleaved with them.
    func sendWaitsForOutbox(_ st: borrowing SocketState, _ d: Direction) -> Bool {
        d == .write && (st.outbox.sending || !st.outbox.isEmpty)
    }

    /// Takes written bytes that reached the head of the write queue into the outbox (they
    /// no longer wait behind a send call); true when any were taken.
    func admitWrites(_ st: inout SocketState) -> Bool {
        var taken = false
        while let w = st[.write].queued.first, w.isWrite, st[.write].current == nil {
            st[.write].queued.removeFirst()
            if case .send(let bytes, _) = w.request { bytes.withUnsafeBytes { st.outbox.append($0) } }
            taken = true
        }
        return taken
    }

    /// Bookkeeping shared by both backends when a socket closes: registry and states.
    func markClosed(_ socket: Socket, _ state: inout SocketState) {
        state.closed = true
        state.readStates = [.closed]
        state.writeStates = [.closed]
        if socket.usesRegistry { SocketRegistry.remove(socket) }
        MonitorTable.shared.socketClosed(socket, reason: .closed)
    }

    /// Sends every caller of `state` still waiting for a message an abort, and drops any
    /// select or completion message of theirs still queued, so each gets exactly one message:
    /// the abort. A current caller already told `select` (poll) gets none, as in OTP: it has
    /// its message, and its next call returns `closed`.
    func abortAll(_ socket: Socket, _ state: inout SocketState, reason: SocketError) -> [Waiter] {
        var aborted: [Waiter] = []
        for d in Direction.allCases {
            var q = state[d]
            if let c = q.current { aborted.append(c) }
            aborted.append(contentsOf: q.queued)
            q.current = nil
            q.queued.removeAll()
            state[d] = q
        }
        for w in aborted {
            // Written bytes still go out at close, after what is already in the outbox.
            if w.isWrite {
                if case .send(let bytes, _) = w.request { bytes.withUnsafeBytes { state.outbox.append($0) } }
                continue
            }
            if w.phase == .selected { continue }
            _ = w.caller.purge(socket: socket, handle: w.handle)
            w.caller.post(.abort(socket, w.handle, reason))
        }
        return aborted
    }
}
