extension Engine {
    /// Runs `request` to the end for an awaiting call, on the same path as `nowait` calls:
    /// start it with a private mailbox, wait for its message, call again on `select`,
    /// continue after a partial result, cancel on timeout or task cancellation.
    ///
    /// Returns the final status (`.data` with every byte for a stream recv of N bytes,
    /// `.sent(total)` for a send); throws the error with partial data attached: what was
    /// received, or (for a send cut short) what was not sent.
    func perform(_ socket: Socket, _ request: Request, timeout: Timeout) async throws(SocketError) -> CompletionStatus {
        let deadline: ContinuousClock.Instant? = timeout == .nowait ? .now : timeout.deadline()
        var run = Run(request: request, stream: socket.type == .stream)
        let d = request.direction
        let mailbox = socket.state.withLock { st in
            defer { st[d].spareMailbox = nil }
            return st[d].spareMailbox
        } ?? Mailbox(awaitingCall: ())
        /// An empty mailbox with nothing pending goes back to the socket for the next call.
        func done(_ status: CompletionStatus) -> CompletionStatus {
            if mailbox.count == 0 { socket.state.withLock { $0[d].spareMailbox = mailbox } }
            return status
        }
        // poll: after `select` the operation is still ours (current and selected) until we
        // call again; a cancellation seen then must give it up, or it locks others out.
        var selected: PendingInfo?
        while true {
            if Task.isCancelled {
                if let selected { try? cancel(socket, selected, caller: mailbox) }
                throw run.failure(.cancelled)
            }
            selected = nil
            let begun: Begin
            do {
                begun = try begin(socket, run.request, caller: mailbox, handle: nil,
                                  deadline: timesOutInKernel ? deadline : nil)
            } catch {
                throw run.failure(error)
            }
            let info: PendingInfo
            switch begun {
            case .done(let status):
                if let r = try run.absorb(status, final: true) { return done(r) }
                continue
            case .pending(let i, let partial):
                info = i
                if let partial, let r = try run.absorb(partial, final: false) { return r }
            }
            // uring: a finite timeout is linked to the kernel operation, whose completion
            // then reports it. An operation still queued behind another caller's is not in
            // the kernel yet and has no such timeout, so a timer just after the deadline
            // backs it up (it ends the wait only if the kernel did not).
            let waitUntil: ContinuousClock.Instant? = deadline.map { d in
                timesOutInKernel ? d.advanced(by: .milliseconds(10)) : d
            }
            guard let message = await mailbox.next(until: waitUntil) else {
                // Timed out or the task was cancelled. If the operation finished meanwhile,
                // cancel keeps its result in the socket's stash for the next caller.
                let reason: SocketError = Task.isCancelled ? .cancelled : .timeout
                if let done = try await settle(socket, info, mailbox, &run) { return done }
                throw run.failure(reason)
            }
            switch message {
            case .select:
                selected = info
                continue
            case .abort(_, _, let reason):
                throw run.failure(reason)
            case .completion(_, _, let status):
                if let r = try run.absorb(status, final: true) { return done(r) }
            case .down:
                // The call's mailbox is its own: no monitor reports to it.
                continue
            }
        }
    }
}

extension Engine {
    /// Cancels an awaiting call's operation after a timeout or task cancellation. A send
    /// that finished meanwhile, or went partly out before the cancel took, is accounted for:
    /// its count is absorbed, so the error reports only the bytes really left unsent (a retry
    /// then sends nothing twice). Returns the call's result if it had in fact completed.
    fileprivate func settle(_ socket: Socket, _ info: PendingInfo, _ mailbox: Mailbox,
                            _ run: inout Run) async throws(SocketError) -> CompletionStatus? {
        guard run.request.unsentData != nil else {
            try? cancel(socket, info, caller: mailbox)
            return nil
        }
        let willReport: Bool
        do {
            willReport = try cancel(socket, info, caller: mailbox, settle: true)
        } catch {
            willReport = false
        }
        let last = willReport
            ? await mailbox.receive(timeout: .seconds(10)) { $0.handle == info.handle }
            : mailbox.tryReceive { $0.handle == info.handle }
        guard case .completion(_, _, let status)? = last, case .sent = status else { return nil }
        return try run.absorb(status, final: false)
    }
}

/// The running totals of one awaiting call.
fileprivate struct Run {
    var request: Request
    /// The request as the caller made it; a stream recv continues as it, less what arrived.
    let original: Request
    let stream: Bool
    let wanted: Int
    var received: [UInt8] = []
    var sent = 0

    init(request: Request, stream: Bool) {
        self.request = request
        self.original = request
        self.stream = stream
        // A peek is one try: its bytes stay in the socket, so it is never continued.
        wanted = request.isExactStreamRecv(stream: stream) ? request.recvLength : 0
    }

    /// Folds a partial (`final` false) or final result into the totals; returns the call's
    /// result when it is complete, nil to go on.
    mutating func absorb(_ status: CompletionStatus, final: Bool) throws(SocketError) -> CompletionStatus? {
        switch status {
        case .data(let d), .more(let d):
            // The first piece is taken as it is, not copied into a new array.
            if received.isEmpty { received = d } else { received += d }
            if !stream || wanted == 0 { return final ? .data(received) : nil }
            if received.count >= wanted { return .data(received) }
            request = original.remaining(after: received.count)
            return nil
        case .sent(let n):
            sent += n
            // A sendfile's final result is the call's: short only where the file ended.
            if case .sendfile = request, final { return .sent(sent) }
            request = request.advanced(by: n)
            if !stream || request.unsentBytes == 0 { return final || request.unsentBytes == 0 ? .sent(sent) : nil }
            return nil
        case .error(let e):
            throw failure(e)
        default:
            return final ? status : nil
        }
    }

    /// `reason` with what was received, or what is left to send, attached.
    func failure(_ reason: SocketError) -> SocketError {
        // A read that ended with data of its own (the end of the stream after a few bytes):
        // what earlier rounds received comes first.
        if case .partial(let r, let d) = reason { return .with(r, partial: received + d) }
        if !received.isEmpty { return .with(reason, partial: received) }
        // A send that wrote part carries the rest; one that wrote nothing is the plain
        // reason, as OTP's `{error, timeout}` (the caller still has all of its data).
        if sent > 0, let rest = request.unsentData { return .with(reason, partial: rest) }
        return reason
    }
}

extension Request {
    /// Bytes a send request still has to write.
    var unsentBytes: Int {
        switch self {
        case .send(let d, _), .sendto(let d, _, _): return d.count
        case .sendmsg(let m, _, _): return m.count
        case .sendfile(_, _, let count): return count
        default: return 0
        }
    }

    /// The data a send request still has to write, nil for other requests.
    var unsentData: [UInt8]? {
        switch self {
        case .send(let d, _), .sendto(let d, _, _): return d
        case .sendmsg(let m, _, _): return m.iov.flatMap { $0 }
        default: return nil
        }
    }
}
