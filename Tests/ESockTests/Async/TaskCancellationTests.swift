import Testing
@testable import ESock

/// Cancelling the Swift task of an awaiting call cancels the operation and throws
/// `cancelled` (with any partial data); the socket stays usable and nothing is lost.
@Suite struct TaskCancellationTests {
    @Test(arguments: TestBackends.all)
    func recvThenSocketStillUsable(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { p.close() }
        let t = Task { try await api.recv(p.server, length: 0) }
        try #require(await eventually { api.info(p.server).numReaders == 1 })
        t.cancel()
        let r = try await withinLimit(.seconds(5)) { await t.result }
        guard case .failure(let e)? = r else { Issue.record("expected cancelled, got \(String(describing: r))"); return }
        #expect(e as? SocketError == .cancelled)
        #expect(api.info(p.server).numReaders == 0)
        try await api.send(p.client, Array("after".utf8))
        #expect(try await api.recv(p.server, length: 5, timeout: .seconds(5)) == Array("after".utf8))
    }

    /// recv(length: 10) got 3 bytes when cancelled: they come with the error.
    @Test(arguments: TestBackends.all)
    func recvWithPartialData(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { p.close() }
        let t = Task { try await api.recv(p.server, length: 10) }
        try #require(await eventually { api.info(p.server).numReaders == 1 })
        try await api.send(p.client, Array("abc".utf8))
        // The call has taken the 3 bytes (read_byte counts them) and waits for 7 more.
        try #require(await eventually { api.info(p.server).counters.readByte == 3 })
        t.cancel()
        let r = try await withinLimit(.seconds(5)) { await t.result }
        guard case .failure(let e)? = r, let e = e as? SocketError else { Issue.record("expected an error, got \(String(describing: r))"); return }
        #expect(e == .partial(.cancelled, data: Array("abc".utf8)))
        try await api.send(p.client, Array("defghij".utf8))
        #expect(try await api.recv(p.server, length: 7, timeout: .seconds(5)) == Array("defghij".utf8))
    }

    /// accept, and a caller queued behind a nowait caller: cancelled; the queue stays sound.
    @Test(arguments: TestBackends.all, [WaitOperation.accept, .recv, .recvfrom, .recvmsgDatagram])
    func queuedCallerCancelled(backend: Backend, operation: WaitOperation) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let f = try await WaitFixture(api, operation)
        defer { f.close() }
        let first = Mailbox()
        let info = try #require(expectPending(try f.start(first), backend, operation.tag))
        let t = Task { try await f.take(timeout: .infinity) }
        try #require(await eventually { f.waiting == 2 })
        t.cancel()
        let r = try await withinLimit(.seconds(5)) { await t.result }
        guard case .failure(let e)? = r else { Issue.record("expected cancelled"); return }
        #expect(e as? SocketError == .cancelled)
        #expect(f.waiting == 1)
        let item = try await f.trigger(1)
        #expect(try await f.serve(first, info) == item)
        // And the current one cancelled by its task.
        let t2 = Task { try await f.take(timeout: .infinity) }
        try #require(await eventually { f.waiting == 1 })
        t2.cancel()
        #expect(await t2.result.failureValue as? SocketError == .cancelled)
        let item2 = try await f.trigger(2)
        #expect(try await f.take() == item2)
    }

    /// A task already cancelled when it calls gets `cancelled` without waiting.
    @Test(arguments: TestBackends.all)
    func alreadyCancelled(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { p.close() }
        let t = Task { () async throws -> [UInt8] in
            withUnsafeCurrentTask { $0?.cancel() }
            return try await api.recv(p.server, length: 0, timeout: .seconds(5))
        }
        let r = try await withinLimit(.seconds(1)) { await t.result }
        #expect(r?.failureValue as? SocketError == .cancelled)
    }

    /// Tasks cancelled at every moment around the data's arrival: every byte is received
    /// once, in order, from results and cancelled calls' partial data.
    @Test(arguments: TestBackends.all)
    func cancelRacingArrival(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { p.close() }
        var got: [UInt8] = []
        var sent = 0
        for n in 0..<500 {
            let length = n % 2 == 0 ? 0 : 3
            let t = Task { try await api.recv(p.server, length: length, timeout: .seconds(5)) }
            let chunk = patternBytes(sent, 1 + n % 5)
            async let s: Void = api.send(p.client, chunk, timeout: .seconds(5))
            for _ in 0..<(n % 4) { await Task.yield() }
            t.cancel()
            switch await t.result {
            case .success(let d): got += d
            case .failure(let e as SocketError):
                #expect(e.reason == .cancelled || e.reason == .timeout, "\(e)")
                got += e.partialData
            case .failure(let e): Issue.record("\(e)")
            }
            try await s
            sent += chunk.count
        }
        while got.count < sent {
            guard let d = try? await api.recv(p.server, length: 0, timeout: .milliseconds(500)) else { break }
            got += d
        }
        #expect(got == patternBytes(0, sent))
    }
}
