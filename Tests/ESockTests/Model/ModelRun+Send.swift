@testable import ESock

/// The subject's write side: send calls from several callers and `write`, each a
/// ``SentCall`` whose bytes the peer must see contiguously and in call order.
extension ModelRun {
    /// A new call's payload; a gap before the next one keeps call boundaries visible.
    func newCall(_ size: Int, _ how: String) -> Int {
        calls.append(SentCall(offset: nextSendOffset, count: size, lo: 0, hi: size, how: how))
        nextSendOffset += size + 7919
        return calls.count - 1
    }

    /// Whether the configuration lets this kind of send run now.
    func sendAllowed(write: Bool) -> Bool {
        if peerReset && !config.includeSendsAfterReset { note("  skip: sends after the reset"); return false }
        if streamKey != nil && !config.includeStreamingWithSend { note("  skip: streaming"); return false }
        if !config.includeWriteWithSend && (write ? usedSend : usedWrite) { note("  skip: write with send"); return false }
        return true
    }

    func sendNowait(_ c: Int, _ size: Int) {
        if subjectRefuses("send", reading: false, { () throws(SocketError) in _ = try api.send(subject, [1], nowait: mailboxes[c]) }) { return }
        guard sendAllowed(write: false) else { return }
        guard pending[c][.send] == nil else { return note("  skip: c\(c) already sends") }
        operations += 1
        usedSend = true
        let i = newCall(size, "c\(c) nowait")
        let data = calls[i].payload
        do {
            let r = try api.send(subject, data, nowait: mailboxes[c])
            switch r {
            case .ok(let n):
                if n != size { violation("send of \(size) returned ok(\(n))") }
                calls[i].lo = n
                calls[i].hi = n
            default:
                let n = partialOf(r) ?? 0
                checkShape(r.pending!, "send")
                pending[c][.send] = PendingOp(kind: .send(call: i, rest: Array(data.dropFirst(n)), written: n),
                                              info: r.pending!, key: key())
            }
        } catch {
            sendFailed(error, i, written: 0)
        }
    }

    func sendAwait(_ size: Int, _ ms: Int) async {
        if subjectRefuses("send", reading: false, { () throws(SocketError) in try api.write(subject, [1]) }) { return }
        guard sendAllowed(write: false) else { return }
        operations += 1
        usedSend = true
        let i = newCall(size, "await")
        do {
            try await api.send(subject, calls[i].payload, timeout: .milliseconds(ms))
            calls[i].lo = size
        } catch {
            // A send that wrote nothing fails plainly; one that wrote part carries the rest.
            let written = size - error.unsent(of: calls[i].payload).count
            calls[i].lo = written
            calls[i].hi = backend == .uring && !config.includeStrictSendTimeout ? size : written
            if error.reason != .timeout { sendFailed(error.reason, i, written: written) }
        }
    }

    func write(_ size: Int) {
        if subjectRefuses("write", reading: false, { () throws(SocketError) in try api.write(subject, [1]) }) { return }
        guard sendAllowed(write: true) else { return }
        operations += 1
        usedWrite = true
        let i = newCall(size, "write")
        do {
            try api.write(subject, calls[i].payload)
            // Queued bytes go out even if the socket is closed, unless the connection fails.
            calls[i].lo = size
        } catch {
            sendFailed(error, i, written: 0)
        }
    }

    /// A send that failed after writing `written` bytes: expected only once the peer is gone.
    func sendFailed(_ e: SocketError, _ i: Int, written: Int) {
        calls[i].lo = written
        calls[i].hi = peerReset ? calls[i].count : written
        if case .errno = e.reason, peerReset { return }
        if e.reason == .closed && (subjectClosed || peerReset) { return }
        violation("send \(calls[i]): \(e)")
    }

    /// A send cancelled or aborted after `written` bytes; a kernel operation may have
    /// written more before it stopped.
    func cutShort(_ i: Int, written: Int, inKernel: Bool) {
        calls[i].lo = written
        calls[i].hi = inKernel ? calls[i].count : written
    }
}
