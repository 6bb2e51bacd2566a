import Glibc
@testable import ESock

/// The subject's read side and the peer that feeds it.
extension ModelRun {
    func peerSend(_ n: Int) async {
        guard !peerHalfClosed && !peerReset else { return note("  skip: peer cannot send") }
        operations += 1
        let data = patternBytes(peerBase + peerSent, n)
        do {
            try await api.send(peer, data, timeout: .milliseconds(20))
            peerSent += n
        } catch {
            // A timeout's partial data is what was not sent.
            let written = n - error.partialData.count
            peerSent += written
            note("  peer sent \(written) of \(n): \(error.reason)")
            // After the subject's close the kernel refuses (epipe, econnreset).
            let refused = subjectClosed && { if case .errno = error.reason { true } else { false } }()
            if error.reason != .timeout && !refused { violation("peer send: \(error)") }
        }
    }

    func peerRawSend(_ n: Int) {
        guard !peerHalfClosed && !peerReset else { return note("  skip: peer cannot send") }
        operations += 1
        let data = patternBytes(peerBase + peerSent, n)
        let r = data.withUnsafeBytes { Glibc.send(peer.fileDescriptor, $0.baseAddress, n, Int32(MSG_DONTWAIT) | Int32(MSG_NOSIGNAL)) }
        if r >= 0 {
            peerSent += r
            if r < n { note("  raw sent \(r)") }
        } else if errno != EAGAIN && !(subjectClosed && (errno == EPIPE || errno == ECONNRESET)) {
            violation("peer raw send: errno \(errno)")
        }
    }

    func peerShutdown() {
        guard !peerHalfClosed && !peerReset else { return note("  skip") }
        operations += 1
        do {
            try api.shutdown(peer, .write)
            peerHalfClosed = true
        } catch {
            violation("peer shutdown: \(error)")
        }
    }

    func resetPeer() {
        guard !peerReset else { return note("  skip") }
        operations += 1
        reader.stop()
        do {
            try api.setopt(peer, .linger, .linger(0))
            try api.close(peer)
        } catch {
            violation("peer reset: \(error)")
        }
        peerReset = true
    }

    /// Calls on a closed subject must give `closed`; receives on a streaming one `invalid(state)`.
    func subjectRefuses(_ what: String, reading: Bool, _ body: () throws(SocketError) -> Void) -> Bool {
        let expected: SocketError? = subjectClosed ? .closed : (reading && streamKey != nil ? .invalid(.state) : nil)
        guard let expected else { return false }
        operations += 1
        do {
            try body()
            violation("\(what) on a \(subjectClosed ? "closed" : "streaming") subject did not fail")
        } catch {
            if error != expected { violation("\(what): \(error), expected \(expected)") }
        }
        return true
    }

    func recvNowait(_ c: Int, _ length: Int) {
        if subjectRefuses("recv", reading: true, { () throws(SocketError) in _ = try api.recv(subject, length: length, nowait: mailboxes[c]) }) { return }
        guard pending[c][.recv] == nil else { return note("  skip: c\(c) already receives") }
        operations += 1
        let k = key()
        do {
            let r = try api.recv(subject, length: length, nowait: mailboxes[c])
            switch r {
            case .ok(let b):
                chunks.append(ReceivedChunk(key: k, part: 0, bytes: b, how: "c\(c) ok"))
            case .select(_, let p), .completion(_, let p):
                chunks.append(ReceivedChunk(key: k, part: 0, bytes: p ?? [], how: "c\(c) partial"))
                checkShape(r.pending!, "recv")
                let left = length == 0 ? 0 : length - (p?.count ?? 0)
                pending[c][.recv] = PendingOp(kind: .recv(left: left), info: r.pending!, key: k)
            }
        } catch {
            receiveFailed(error, key: k, part: 0, how: "c\(c) nowait")
        }
    }

    func recvAwait(_ length: Int, _ ms: Int, peek: Bool) async {
        let flags: MessageFlags = peek ? .peek : []
        if streamKey != nil || subjectClosed {
            operations += 1
            let expected: SocketError = subjectClosed ? .closed : .invalid(.state)
            do {
                _ = try await api.recv(subject, length: length, flags: flags, timeout: .milliseconds(ms))
                violation("recv on a \(subjectClosed ? "closed" : "streaming") subject did not fail")
            } catch {
                if error != expected { violation("recv: \(error), expected \(expected)") }
            }
            return
        }
        operations += 1
        let k = key()
        do {
            let b = try await api.recv(subject, length: length, flags: flags, timeout: .milliseconds(ms))
            if peek { peeks.append((k, b)) } else { chunks.append(ReceivedChunk(key: k, part: 0, bytes: b, how: "await")) }
            // A peek is one try (bytes stay in the socket, so it cannot continue): fewer is fine.
            if length > 0 && (peek ? b.count > length : b.count != length) { violation("recv(\(length)\(peek ? ", peek" : "")) returned \(b.count) bytes") }
        } catch {
            if peek {
                if !error.partialData.isEmpty { peeks.append((k, error.partialData)) }
                receiveFailed(error.reason, key: k, part: 0, how: "peek")
            } else {
                receiveFailed(error, key: k, part: 0, how: "await")
            }
        }
    }

    /// Hands the read side to a collector; pending receives are cancelled first (on uring
    /// a late one leaves its bytes in the stash, which must reach the handler first).
    func startStream() async {
        guard streamKey == nil else { return note("  skip: streaming") }
        if subjectRefuses("stream", reading: true, { () throws(SocketError) in try api.stream(subject, to: ModelCollector()) }) { return }
        for c in 0..<ModelStep.callers where pending[c][.recv] != nil { cancel(c, .recv) }
        guard (0..<ModelStep.callers).allSatisfy({ pending[$0][.recv] == nil }) else {
            return note("  skip: a receive could not be cancelled")
        }
        if !config.includeStreamOverStash && backend == .uring {
            // Take what a late cancel may have stashed: one try, served from the stash first.
            // A try that goes to the kernel is cancelled, perhaps late: then try again. Each
            // try waits until cancelled operations have drained (their late bytes stashed).
            for _ in 0..<3 {
                _ = await eventually(.seconds(2)) { !self.subject.state.withLock { $0[.read].isBusy } }
                let k = key()
                do {
                    let b = try api.recv(subject, length: 0, nowait: mailboxes[0])
                    if case .ok(let d) = b {
                        chunks.append(ReceivedChunk(key: k, part: 0, bytes: d, how: "before stream"))
                        break
                    } else if let info = b.pending {
                        try api.cancel(subject, info, caller: mailboxes[0])
                        lateCancelPossible = true
                    }
                } catch {
                    receiveFailed(error, key: k, part: 0, how: "before stream")
                    break
                }
            }
            guard pending.allSatisfy({ $0[.recv] == nil }) else { return note("  skip: a receive is pending") }
        }
        operations += 1
        let h = ModelCollector()
        // uring: a cancelled receive keeps the read side busy until its last CQE, so
        // stream right after a cancel may be refused for a moment.
        let end = ContinuousClock.now.advanced(by: .seconds(2))
        while true {
            do {
                try api.stream(subject, to: h)
                collector = h
                streamKey = key()
                return
            } catch {
                if error == .invalid(.state) && ContinuousClock.now < end {
                    try? await Task.sleep(for: .milliseconds(1))
                    continue
                }
                return violation("stream with no receive pending: \(error)")
            }
        }
    }

    /// Cancels the caller's operation in that direction. Afterwards no message of it may
    /// arrive; `invalid(info)` for an operation the model holds pending is a violation.
    func cancel(_ c: Int, _ d: ModelStep.Direction) {
        guard let op = pending[c][d] else { return note("  skip: nothing pending") }
        let mb = mailboxes[c]
        if d == .recv && backend == .uring && !config.includeSecondTakeBack && tookBack && mb.count > 0 {
            note("  its message is here: taking it instead")
            if let m = mb.tryReceive(where: { $0.handle == op.handle }) { return handle(m, c) }
        }
        operations += 1
        do {
            try api.cancel(d == .accept ? listener : subject, op.info, caller: mb)
            pending[c][d] = nil
            ended.insert(op.handle)
            if mb.tryReceive(where: { $0.handle == op.handle }) != nil {
                violation("c\(c): cancel left a message of \(op.handle) in the mailbox")
            }
            if case .send(let i, _, let written) = op.kind { cutShort(i, written: written, inKernel: backend == .uring) }
            if case .recv = op.kind, backend == .uring {
                lateCancelPossible = true
                tookBack = true
            }
        } catch {
            let closed = d == .accept ? listener.isClosed : subjectClosed
            if error == .closed && closed {
                // As OTP's cancel on a closed socket: the close's abort goes with the
                // operation; a select or completion that came before the close stays.
                if let m = mb.tryReceive(where: { $0.handle == op.handle }) {
                    note("  closed; its message stays")
                    return handle(m, c)
                }
                pending[c][d] = nil
                ended.insert(op.handle)
                if case .send(let i, _, let written) = op.kind { cutShort(i, written: written, inKernel: backend == .uring) }
                return note("  closed; the abort went with the cancel")
            }
            // uring: a send that already completed cannot be cancelled; its message stays.
            if d == .send, backend == .uring, case .invalid = error,
               let m = mb.tryReceive(where: { $0.handle == op.handle }) {
                note("  already completed; its message stays")
                return handle(m, c)
            }
            violation("c\(c): cancel of pending \(op.info): \(error)")
        }
    }

    func closeSubject() {
        guard !subjectClosed else { return note("  skip") }
        operations += 1
        do {
            try api.close(subject)
        } catch {
            violation("close: \(error)")
        }
        subjectClosed = true
    }
}
