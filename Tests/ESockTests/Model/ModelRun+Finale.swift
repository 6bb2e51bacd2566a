@testable import ESock

/// The end of a run: drain every direction, close everything, and check the invariants.
extension ModelRun {
    var anyPending: Bool { pending.contains { !$0.isEmpty } }

    func describePending() -> String {
        pending.enumerated().flatMap { c, ops in ops.map { "c\(c) \($0.key) \($0.value.info)" } }.joined(separator: ", ")
    }

    /// Takes messages from every caller until `done` holds or `limit` passes.
    func deliverUntil(_ limit: Duration, _ done: () -> Bool) async -> Bool {
        let end = ContinuousClock.now.advanced(by: limit)
        while !done() {
            if ContinuousClock.now > end { return false }
            for c in 0..<ModelStep.callers { await deliver(c, within: 2) }
        }
        return true
    }

    func finale() async {
        reader.pause(false)
        // Accepts end by cancel (a late one's connection goes to the next caller); the
        // stream's end finishes every receive.
        for c in 0..<ModelStep.callers where pending[c][.accept] != nil { cancel(c, .accept) }
        if !subjectClosed && !peerReset { peerShutdown() }
        if !(await deliverUntil(.seconds(8), { !anyPending })) {
            violation("operations still pending 8 s after the stream ended: \(describePending())")
        }
        // Read the rest up to the end of the stream.
        if !subjectClosed && streamKey == nil && !eof && !peerReset {
            let end = ContinuousClock.now.advanced(by: .seconds(8))
            while !eof && ContinuousClock.now < end {
                let k = key()
                do {
                    let b = try await api.recv(subject, length: 0, timeout: .seconds(2))
                    chunks.append(ReceivedChunk(key: k, part: 0, bytes: b, how: "drain"))
                } catch {
                    receiveFailed(error, key: k, part: 0, how: "drain")
                    if error.reason != .closed && error.reason != .timeout { break }
                }
            }
            if !eof && !peerReset { violation("the end of the stream did not come within 8 s") }
        }
        if let h = collector, !subjectClosed, !peerReset {
            if !(await eventually(.seconds(8)) { h.snapshot.endings > 0 }) {
                violation("the stream handler was not told the stream ended within 8 s")
            }
        }
        subjectClosedEarly = subjectClosed
        receiveComplete = !subjectClosed && !peerReset && (eof || collector?.snapshot.end == .closed)
        await drainAccepts()
        // Closing the subject sends what `write` queued, then the end of the stream.
        if !subjectClosed { closeSubject() }
        if !peerReset, !(await eventually(.seconds(10)) { self.reader.snapshot.end != nil }) {
            violation("the peer did not see the end of the subject's stream within 10 s")
        }
        reader.stop()
        await readerTask?.value
        closeAll()
        if anyPending, !(await deliverUntil(.seconds(3), { !anyPending })) {
            violation("no abort within 3 s after close for \(describePending())")
        }
        try? await Task.sleep(for: .milliseconds(30))
        for (c, mb) in mailboxes.enumerated() {
            while let m = mb.tryReceive() { violation("c\(c): \(m) after every operation ended") }
        }
        takeConnectMessages()
        checkReceived()
        checkSent()
        checkHandler()
        await checkDescriptors()
    }

    /// Accepts until every client's connection has been accepted once; then nothing more.
    func drainAccepts() async {
        takeConnectMessages()
        if !connecting.isEmpty {
            _ = await eventually(.seconds(3)) { self.takeConnectMessages(); return self.connecting.isEmpty }
            if !connecting.isEmpty { violation("\(connecting.count) nowait connects had no answer within 3 s") }
        }
        let end = ContinuousClock.now.advanced(by: .seconds(5))
        while accepted.count < clients.count && ContinuousClock.now < end {
            await acceptAwait(1000)
        }
        do {
            let extra = try await api.accept(listener, timeout: .milliseconds(20))
            accepted.append(extra)
            violation("a connection was accepted twice or out of nowhere: \(extra)")
        } catch {
            if error != .timeout { violation("accept: \(error)") }
        }
        let mine = Set(clients.compactMap { try? api.sockname($0) }.map { "\($0)" })
        let theirs = accepted.compactMap { try? api.peername($0) }.map { "\($0)" }
        if Set(theirs) != mine || theirs.count != accepted.count || accepted.count != clients.count {
            violation("clients \(mine.sorted()) but accepted \(theirs.sorted())")
        }
    }

    func closeAll() {
        for s in [listener] + clients + accepted { try? api.close(s) }
        if !peerReset { try? api.close(peer) }
        for c in connecting.values { try? api.close(c) }
    }

    /// Every byte the peer sent, once, in stream order (prefix when the stream was cut).
    func checkReceived() {
        var all = chunks
        if let h = collector, let k = streamKey {
            all.append(ReceivedChunk(key: k, part: 0, bytes: h.snapshot.bytes, how: "stream"))
        }
        let order = ModelChecks.ordered(all)
        let got = order.flatMap(\.bytes)
        let expected = patternBytes(peerBase, peerSent)
        let complete = receiveComplete
        bytesChecked += got.count
        let ok = complete ? got == expected : (got.count <= expected.count && ModelChecks.firstDifference(got, expected) == nil)
        if ok {
            checkPeeks(order)
            return
        }
        if backend == .uring && lateCancelPossible,
           ModelChecks.tiles(all, expected) == true && (!complete || got.count == expected.count)
            || !complete && ModelChecks.disjointPieces(all, expected) {
            reordered += 1
            note("received bytes reordered across callers after a late cancel (documented)")
            return
        }
        let at = ModelChecks.firstDifference(got, expected) ?? min(got.count, expected.count)
        var offset = 0
        var around: [String] = []
        for c in order {
            if offset + c.bytes.count > at - 3000 && offset < at + 3000 {
                around.append("\(c)@\(offset)" + (c.bytes.isEmpty ? "" : " (stream bytes \(Self.whereIn(expected, c.bytes, near: offset)))"))
            }
            offset += c.bytes.count
        }
        violation("received \(got.count) of \(expected.count) bytes\(complete ? " (to the end)" : ""), "
                  + "differing from byte \(at); chunks near it: \(around.joined(separator: ", "))")
    }

    /// Where `bytes` start in `stream` (the match nearest `near`), for failure messages.
    static func whereIn(_ stream: [UInt8], _ bytes: [UInt8], near: Int) -> String {
        let probe = Array(bytes.prefix(12))
        guard stream.count >= probe.count else { return "?" }
        let starts = (0...(stream.count - probe.count)).filter { stream[$0..<($0 + probe.count)].elementsEqual(probe) }
        guard let best = starts.min(by: { abs($0 - near) < abs($1 - near) }) else { return "nowhere" }
        return "\(best)..<\(best + bytes.count)"
    }

    /// A peek sees the bytes the next receive gets.
    /// uring after a late cancel: an earlier caller's finished receive may hold bytes the
    /// peek cannot see (they reach a later caller from the stash), so the peek only has to
    /// be a run of the stream at or after its place.
    func checkPeeks(_ order: [ReceivedChunk]) {
        let expected = patternBytes(peerBase, peerSent)
        for (k, b) in peeks where !b.isEmpty {
            let at = order.filter { $0.key < k }.reduce(0) { $0 + $1.bytes.count }
            let fits = { (p: Int) in p + b.count <= expected.count && expected[p..<(p + b.count)].elementsEqual(b) }
            let later = backend == .uring && lateCancelPossible
            guard fits(at) || later && (at...min(expected.count, at + 70_000)).contains(where: fits) else {
                violation("peek of \(b.count) bytes at stream offset \(at) does not match the stream "
                          + "(its bytes are at \(Self.whereIn(expected, b, near: at)))")
                continue
            }
        }
    }

    /// What the peer read is the subject's calls, in order, never interleaved.
    func checkSent() {
        let s = reader.snapshot
        bytesChecked += s.bytes.count
        let complete = !peerReset && !subjectClosedEarly && s.end == .closed
        let endOK = s.end == .closed || (subjectClosedEarly && s.end.map { if case .errno = $0 { true } else { false } } == true)
        if !peerReset && !endOK { violation("the peer's reading ended with \(s.end.map { "\($0)" } ?? "nothing")") }
        if !ModelChecks.parses(s.bytes, calls, complete: complete) {
            violation("the peer read \(s.bytes.count) bytes that are not the calls in order: \(calls); "
                      + "greedy reading: \(ModelChecks.sendDiagnosis(s.bytes, calls))")
        }
    }

    func checkHandler() {
        guard let h = collector?.snapshot else { return }
        if h.receivedAfterEnd > 0 { violation("handler: \(h.receivedAfterEnd) received calls after ended") }
        if h.overlapping > 0 { violation("handler: \(h.overlapping) overlapping calls") }
        if h.endings != 1 { violation("handler: ended \(h.endings) times") }
    }

    /// Every descriptor the run opened is closed, after a bounded wait for uring's loop.
    func checkDescriptors() async {
        let mine = Set(socketNames)
        var left: Set<String> = []
        _ = await eventually(.seconds(3)) {
            left = mine.intersection(ModelChecks.openDescriptors())
            return left.isEmpty
        }
        if !left.isEmpty { violation("descriptors still open after close: \(left.sorted())") }
    }
}
