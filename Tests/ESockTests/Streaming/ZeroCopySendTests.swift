import Testing
@testable import ESock

/// On uring a handler that writes the bytes it was lent sends them from the provided buffer,
/// without a copy, and the buffer goes back to the ring when the send is done: whole, cut
/// short and resumed, or failed. A buffer given back too early would corrupt the echo; one
/// never given back would shrink the ring for good.
@Suite("Zero-copy streaming sends")
struct ZeroCopySendTests {
    /// Buffers in `socket`'s loop's ring, read on the loop thread (uring only).
    static func buffersInRing(_ socket: Socket) async -> Int? {
        guard let engine = socket.engine as? URingEngine else { return nil }
        return await withCheckedContinuation { c in engine.onLoop { c.resume(returning: engine.loop.freeBuffers) } }
    }

    /// Waits until every provided buffer of `socket`'s loop is back in its ring.
    static func allBuffersBack(_ socket: Socket) async -> Bool {
        guard socket.backend == .uring else { return true }
        let end = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < end {
            if await buffersInRing(socket) == Int(URingLoop.bufferCount) { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return false
    }

    @Test("large echoed messages come back whole and every lent buffer returns", arguments: TestBackends.all)
    func echoLarge(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let handler = EchoHandler(api: api)
        var pairs: [StreamPair] = []
        defer { for p in pairs { p.close() } }
        for _ in 0..<4 {
            let p = try await StreamPair.make(api)
            try api.stream(p.server, to: handler)
            pairs.append(p)
        }
        try await withThrowingTaskGroup(of: Void.self) { g in
            for (i, p) in pairs.enumerated() {
                g.addTask {
                    for round in 0..<16 {
                        let message = patternBytes(i * 1000 + round, 16 << 10)
                        try await api.send(p.client, message, timeout: .seconds(10))
                        let back = try await api.recv(p.client, length: message.count, timeout: .seconds(10))
                        #expect(back == message, "connection \(i) round \(round)")
                    }
                }
            }
            try await g.waitForAll()
        }
        #expect(await Self.allBuffersBack(pairs[0].server))
    }

    @Test("a lent-buffer send cut short by a full send buffer resumes from where it stopped",
          arguments: TestBackends.all)
    func shortSends(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { p.close() }
        try api.setopt(p.server, .sndbuf, .int(4096))
        try api.stream(p.server, to: EchoHandler(api: api))
        let message = patternBytes(7, 1 << 20)
        // The client sends everything before reading, so the echo fills the server's small
        // send buffer and its sends go out in pieces.
        async let sending: Void = api.send(p.client, message, timeout: .seconds(20))
        try await Task.sleep(for: .milliseconds(50))
        let back = try await api.recv(p.client, length: message.count, timeout: .seconds(20))
        try await sending
        #expect(back == message)
        #expect(await Self.allBuffersBack(p.server))
    }

    @Test("lent-buffer sends that go short resume from where they stopped")
    func injectedShortSends() async throws {
        guard let api = try TestBackends.api(.uring) else { return }
        let p = try await StreamPair.make(api)
        defer { FaultInjection.clear(fd: p.server.fileDescriptor); p.close() }
        // Every send of the echo writes at most 1000 bytes, for the first 40 sends.
        FaultInjection.inject(.short(1000), at: .completion(.streamSend), fd: p.server.fileDescriptor, times: 40)
        try api.stream(p.server, to: EchoHandler(api: api))
        let message = patternBytes(11, 32 << 10)
        try await api.send(p.client, message, timeout: .seconds(10))
        #expect(try await api.recv(p.client, length: message.count, timeout: .seconds(10)) == message)
        #expect(FaultInjection.pending(fd: p.server.fileDescriptor) < 40, "sends went short")
        #expect(await Self.allBuffersBack(p.server))
    }

    @Test("a lent-buffer send that fails gives its buffer back")
    func failedSend() async throws {
        guard let api = try TestBackends.api(.uring) else { return }
        let p = try await StreamPair.make(api)
        defer { FaultInjection.clear(fd: p.server.fileDescriptor); p.close() }
        FaultInjection.inject(.errno(.econnreset), at: .completion(.streamSend), fd: p.server.fileDescriptor)
        try api.stream(p.server, to: EchoHandler(api: api))
        try await api.send(p.client, patternBytes(3, 16 << 10), timeout: .seconds(10))
        #expect(await eventually { FaultInjection.pending(fd: p.server.fileDescriptor) == 0 }, "the fault was used")
        #expect(await Self.allBuffersBack(p.server))
    }

    /// A write from a thread other than the loop's, while the loop lends buffers to another
    /// socket's handler, must not look at the loan at all (only the loop thread may): it is
    /// copied into the outbox. ThreadSanitizer (Scripts/sanitize.sh) reported the loan read
    /// from the writer's thread before the thread check.
    @Test("writes from other threads while the loop lends buffers are copied", arguments: TestBackends.all)
    func writesFromOtherThreads(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let echoed = try await StreamPair.make(api)
        let written = try await StreamPair.make(api)
        defer { echoed.close(); written.close() }
        try api.stream(echoed.server, to: EchoHandler(api: api))
        try await withThrowingTaskGroup(of: Void.self) { g in
            g.addTask {
                for round in 0..<200 {
                    let message = patternBytes(round, 512)
                    try await api.send(echoed.client, message, timeout: .seconds(10))
                    #expect(try await api.recv(echoed.client, length: message.count, timeout: .seconds(10)) == message)
                }
            }
            g.addTask {
                for round in 0..<200 {
                    let message = patternBytes(1000 + round, 512)
                    try api.write(written.client, message)
                    #expect(try await api.recv(written.server, length: message.count, timeout: .seconds(10)) == message)
                }
            }
            try await g.waitForAll()
        }
        #expect(await Self.allBuffersBack(echoed.server))
    }
}
