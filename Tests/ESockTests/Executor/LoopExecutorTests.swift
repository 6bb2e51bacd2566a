import Testing
import ESock

@Suite("Loop thread executor")
struct LoopExecutorTests {
    @Test("awaiting calls in a task that prefers the loop executor", arguments: TestBackends.all)
    func echoOnLoopThread(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { p.close() }
        let server = Task(executorPreference: p.server.executor) {
            for _ in 0..<200 {
                let d = try await api.recv(p.server, length: 0, timeout: .seconds(5))
                try await api.send(p.server, d, timeout: .seconds(5))
            }
        }
        for i in 0..<200 {
            let msg = [UInt8](repeating: UInt8(i & 0xff), count: 1 + i % 300)
            try await api.send(p.client, msg, timeout: .seconds(5))
            #expect(try await api.recv(p.client, length: msg.count, timeout: .seconds(5)) == msg)
        }
        try await server.value
    }

    @Test("timeouts fire for tasks on the loop executor", arguments: TestBackends.all)
    func timeoutOnLoopThread(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { p.close() }
        let t = Task(executorPreference: p.server.executor) { () async throws(SocketError) -> [UInt8] in
            try await api.recv(p.server, length: 1, timeout: .milliseconds(50))
        }
        await #expect(throws: SocketError.timeout) { try await t.value }
    }
}
