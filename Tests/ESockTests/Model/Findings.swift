import Testing
@testable import ESock

/// Library defects the model test found, each as the smallest test that shows it.
/// They fail until the library is fixed.
@Suite struct Findings {
    /// uring: a receive whose completion is still unread when its caller cancels has its
    /// bytes stashed for the next caller. When the socket then starts streaming, the
    /// handler must get those bytes first; they are lost instead.
    /// (Model seed 1042 on uring: byte 0 of the stream never arrived.)
    @Test func stashedBytesReachTheStreamHandler() async throws {
        guard let api = try TestBackends.api(.uring) else { return }
        let p = try await StreamPair.make(api)
        defer { p.close() }
        let mb = Mailbox()
        let r = try api.recv(p.server, length: 0, nowait: mb)
        let info = try #require(expectPending(r, .uring, .recv))
        try await api.send(p.client, Array("abc".utf8), timeout: .seconds(5))
        try #require(await eventually { mb.count == 1 })
        try api.cancel(p.server, info, caller: mb)          // taken back: "abc" is stashed
        let h = ModelCollector()
        try api.stream(p.server, to: h)
        try await api.send(p.client, Array("def".utf8), timeout: .seconds(5))
        try api.shutdown(p.client, .write)
        #expect(await eventually { h.snapshot.endings == 1 })
        #expect(String(decoding: h.snapshot.bytes, as: UTF8.self) == "abcdef")
    }

    /// uring: two callers' completions arrive in stream order ("A" to the first, "B" to the
    /// second) and stay unread; both callers cancel, first to last. Both results are
    /// stashed, and the next receive must get them in stream order, "AB"; it gets "BA"
    /// (the second is put back in front of the first).
    /// (Model seed 1038 on uring: one receive returned bytes 4000..<4100, then 3110..<4000.)
    @Test func stashKeepsStreamOrderAcrossTwoLateCancels() async throws {
        guard let api = try TestBackends.api(.uring) else { return }
        let p = try await StreamPair.make(api)
        defer { p.close() }
        let first = Mailbox(), second = Mailbox()
        let i1 = try #require(expectPending(try api.recv(p.server, length: 0, nowait: first), .uring, .recv))
        let i2 = try #require(expectPending(try api.recv(p.server, length: 0, nowait: second), .uring, .recv))
        try await api.send(p.client, Array("A".utf8), timeout: .seconds(5))
        try #require(await eventually { first.count == 1 })
        try await api.send(p.client, Array("B".utf8), timeout: .seconds(5))
        try #require(await eventually { second.count == 1 })
        try api.cancel(p.server, i1, caller: first)
        try api.cancel(p.server, i2, caller: second)
        let got = try await api.recv(p.server, length: 2, timeout: .seconds(5))
        #expect(String(decoding: got, as: UTF8.self) == "AB")
    }
}

extension Findings {
    /// After the peer resets the connection, bytes queued with `write` can never go out; a
    /// send after them must fail with the connection's error, not wait for them for ever.
    /// Poll waits (here until the send's timeout) when the buffers were full at the reset.
    /// (Model seed 151525242521051 on poll with ESOCK_MODEL_STEPS=100: writes queued
    /// behind full buffers, the reset, then a nowait send got `select` twice and then
    /// nothing for 8 s.)
    @Test(arguments: TestBackends.all, [false, true])
    func sendAfterWriteOnResetConnectionFails(backend: Backend, buffersFull: Bool) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { p.close() }
        if buffersFull {
            // The peer reads nothing: the buffers fill and written bytes stay queued.
            try shrinkBuffers(api, sender: p.server, receiver: p.client)
            try? api.write(p.server, Array(repeating: 6, count: 300_000))
        }
        try api.setopt(p.client, .linger, .linger(0))
        try api.close(p.client)
        try await Task.sleep(for: .milliseconds(20))   // the RST has arrived
        try? api.write(p.server, Array(repeating: 7, count: 10))
        var outcome: SocketError?
        do {
            try await api.send(p.server, Array(repeating: 8, count: 500), timeout: .seconds(3))
        } catch {
            outcome = error
        }
        #expect(outcome != nil && outcome?.reason != .timeout,
                "a send after a write on a reset connection ended with \(outcome.map { "\($0)" } ?? "success")")
    }
}
