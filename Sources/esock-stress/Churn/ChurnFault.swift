import ESock

/// How a churn round ends its connection.
enum ChurnFault: String, CaseIterable, Codable, Sendable {
    /// Exchange, then close.
    case clean
    /// Exchange, then `linger {true, 0}` and close: the server sees a reset.
    case reset
    /// Exchange, start a `nowait` recv, close from another task: exactly one `abort(closed)`
    /// (or, on poll, a `select` that came first and then `closed` from the next call).
    case closePending = "close-pending"
    /// Send, start a `nowait` recv, cancel it (every other time only after the echo has
    /// had time to arrive, so the cancel races a finished operation), then read the whole
    /// echo: no message after the cancel, no byte lost.
    case cancel
    /// Send, `shutdown(write)`, read to the end: the whole echo, then `closed`.
    case halfClose = "half-close"
}

/// Something churn found wrong.
struct Violation: Error, Sendable, CustomStringConvertible {
    let text: String
    init(_ text: String) { self.text = text }
    var description: String { text }
}

/// One connection's life in a churn round: connect, exchange, and the fault.
struct ChurnRound: Sendable {
    let api: any SocketAPI
    let address: SocketAddress
    let domain: Domain
    let pattern: Pattern
    /// The connection's seed for the byte pattern.
    let seed: Int
    let size: Int
    let fault: ChurnFault
    let timeout: Timeout

    /// What a round leaves to be checked later.
    struct Outcome: Sendable {
        var bytesVerified = 0
        var abortsExpected = 0
        var abortsDelivered = 0
        var cancelsSkipped = 0
        /// Cancels made after the echo had time to arrive.
        var lateCancels = 0
        /// Mailboxes that must stay empty from now on (after an abort or a cancel).
        var quietMailboxes: [Mailbox] = []
    }

    func run() async throws(Violation) -> Outcome {
        var out = Outcome()
        let s: Socket
        do {
            s = try api.open(domain, .stream, .tcp)
        } catch {
            throw Violation("open: \(Describe.socketError(error))")
        }
        var closed = false
        defer { if !closed { try? api.close(s) } }
        do {
            try await api.connect(s, address, timeout: timeout)
            try api.setopt(s, .nodelay, .bool(true))
        } catch {
            throw Violation("connect: \(Describe.socketError(error))")
        }

        // Every round starts with a checked exchange.
        try await exchange(s, offset: 0, &out)

        switch fault {
        case .clean:
            break
        case .reset:
            do {
                try api.setopt(s, .linger, .linger(0))
            } catch {
                throw Violation("setopt linger 0: \(Describe.socketError(error))")
            }
        case .closePending:
            try await closeWhilePending(s, &out)
            closed = true
        case .cancel:
            try await cancelMidFlight(s, &out)
        case .halfClose:
            try await halfClose(s, &out)
        }
        if !closed {
            do { try api.close(s) } catch { throw Violation("close: \(Describe.socketError(error))") }
            closed = true
        }
        return out
    }

    /// Sends `size` bytes at `offset` and reads back exactly those.
    private func exchange(_ s: Socket, offset: Int, _ out: inout Outcome) async throws(Violation) {
        let data = pattern.bytes(offset: offset, seed: seed, count: size)
        do {
            try await api.send(s, data, timeout: timeout)
        } catch {
            throw Violation("send: \(Describe.socketError(error))")
        }
        let echo: [UInt8]
        do {
            echo = try await api.recv(s, length: size, timeout: timeout)
        } catch {
            throw Violation("recv echo: \(Describe.socketError(error))")
        }
        guard echo == data else { throw Violation("echo of \(size) bytes differs from what was sent") }
        out.bytesVerified += echo.count
    }

    /// A `nowait` recv with nothing to read, then close from another task.
    private func closeWhilePending(_ s: Socket, _ out: inout Outcome) async throws(Violation) {
        let mb = Mailbox()
        let pending: Nowait<[UInt8]>
        do {
            pending = try api.recv(s, length: 0, nowait: mb)
        } catch {
            throw Violation("nowait recv: \(Describe.socketError(error))")
        }
        guard let handle = pending.handle else {
            throw Violation("nowait recv returned data when the server had sent nothing")
        }
        out.abortsExpected += 1
        let api = self.api
        let closeResult = await Task.detached { () -> SocketError? in
            do throws(SocketError) { try api.close(s); return nil } catch { return error }
        }.value
        if let e = closeResult { throw Violation("close with a recv pending: \(Describe.socketError(e))") }
        guard let msg = await mb.receive(timeout: timeout, where: { $0.handle == handle }) else {
            throw Violation("no abort after close with a recv pending (\(s))")
        }
        switch msg {
        case .abort(let ms, _, let reason) where ms === s && reason == .closed:
            break
        case .select(let ms, _) where ms === s:
            // poll: the socket became readable (the peer's end, say) just before the close, so
            // the caller was told `select` and, as in OTP, gets no abort: its next call says
            // closed.
            let again: SocketError?
            do throws(SocketError) { _ = try api.recv(s, length: 0, nowait: mb); again = nil } catch { again = error }
            guard case .closed? = again else {
                throw Violation("recv after a select and a close: \(again.map(Describe.socketError) ?? "no error"), expected closed")
            }
        default:
            throw Violation("expected abort(closed) after close, got \(msg)")
        }
        out.abortsDelivered += 1
        out.quietMailboxes.append(mb)
    }

    /// Sends, starts a `nowait` recv, cancels it and reads the rest: the bytes from the
    /// `nowait` call and from the reads after the cancel must add up to the echo exactly.
    private func cancelMidFlight(_ s: Socket, _ out: inout Outcome) async throws(Violation) {
        let data = pattern.bytes(offset: size, seed: seed, count: size)
        do {
            try await api.send(s, data, timeout: timeout)
        } catch {
            throw Violation("send before cancel: \(Describe.socketError(error))")
        }
        let mb = Mailbox()
        var got: [UInt8]
        let pending: Nowait<[UInt8]>
        do {
            pending = try api.recv(s, length: size, nowait: mb)
        } catch {
            throw Violation("nowait recv before cancel: \(Describe.socketError(error))")
        }
        switch pending {
        case .ok(let d):
            got = d
            out.cancelsSkipped += 1
        case .select(_, let partial), .completion(_, let partial):
            got = partial ?? []
            if seed % 2 == 1 {
                // Let the echo arrive first: the operation has finished (uring) or been
                // selected (poll) by the time it is cancelled.
                try? await Task.sleep(for: .milliseconds(2))
                out.lateCancels += 1
            }
            do {
                try api.cancel(s, pending, caller: mb)
            } catch {
                throw Violation("cancel of a pending recv: \(Describe.socketError(error))")
            }
            let handle = pending.handle
            if let m = mb.tryReceive(where: { $0.handle == handle }) {
                throw Violation("a message of a cancelled recv is in the mailbox: \(m)")
            }
            out.quietMailboxes.append(mb)
        }
        if got.count < size {
            do {
                got += try await api.recv(s, length: size - got.count, timeout: timeout)
            } catch {
                throw Violation("recv after cancel (\(got.count) of \(size) bytes so far): \(Describe.socketError(error))")
            }
        }
        guard got == data else {
            throw Violation("after cancel, \(got.count) bytes read back differ from the \(size) sent (bytes lost or reordered)")
        }
        out.bytesVerified += got.count
    }

    /// Sends, shuts down writing, and reads until the server closes.
    private func halfClose(_ s: Socket, _ out: inout Outcome) async throws(Violation) {
        let data = pattern.bytes(offset: size, seed: seed, count: size)
        do {
            try await api.send(s, data, timeout: timeout)
            try api.shutdown(s, .write)
        } catch {
            throw Violation("send and shutdown(write): \(Describe.socketError(error))")
        }
        var got: [UInt8] = []
        while got.count <= size {
            do {
                got += try await api.recv(s, length: 0, timeout: timeout)
            } catch where error.reason == .closed {
                got += error.partialData
                break
            } catch {
                throw Violation("recv after shutdown(write), \(got.count) of \(size) bytes: \(Describe.socketError(error))")
            }
        }
        guard got == data else {
            throw Violation("after shutdown(write), read \(got.count) bytes, sent \(size)"
                + (got.count == size ? " (contents differ)" : ""))
        }
        out.bytesVerified += got.count
    }
}
