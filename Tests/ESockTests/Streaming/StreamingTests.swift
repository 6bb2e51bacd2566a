import Synchronization
import Testing
@testable import ESock

/// An echo handler: writes back what it receives.
final class EchoHandler: StreamHandler {
    let api: any SocketAPI
    let endings = Lock<[SocketError]>([])
    init(api: any SocketAPI) { self.api = api }
    func received(_ bytes: UnsafeRawBufferPointer, on socket: Socket) {
        try? api.write(socket, bytes)
    }
    func ended(_ socket: Socket, reason: SocketError) {
        endings.withLock { $0.append(reason) }
        try? api.close(socket)
    }
}

@Suite("Streaming fast path")
struct StreamingTests {
    @Test("echo through acceptLoop + stream, many connections, verified bytes", arguments: TestBackends.all)
    func echo(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let l = try api.open(.inet, .stream, .tcp)
        try api.bind(l, .loopback)
        try api.listen(l, backlog: 128)
        let handler = EchoHandler(api: api)
        let accepted = Atomic<Int>(0)
        try api.acceptLoop(l) { s in
            accepted.add(1, ordering: .relaxed)
            try? api.stream(s, to: handler)
        }
        let addr = try api.sockname(l)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<16 {
                group.addTask {
                    let c = try api.open(.inet, .stream, .tcp)
                    try await api.connect(c, addr, timeout: .seconds(5))
                    for round in 0..<30 {
                        let size = 1 + (i * 997 + round * 131) % 70_000
                        let msg = patternBytes(i * 7919 + round * 104_729, size)
                        try await api.send(c, msg, timeout: .seconds(5))
                        let back = try await api.recv(c, length: size, timeout: .seconds(5))
                        #expect(back == msg)
                    }
                    try api.close(c)
                }
            }
            try await group.waitForAll()
        }
        #expect(accepted.load(ordering: .relaxed) == 16)
        // Each server side sees its peer close.
        for _ in 0..<100 where handler.endings.withLock({ $0.count }) < 16 {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(handler.endings.withLock { $0.allSatisfy { $0 == .closed } && $0.count == 16 })
        try api.close(l)
    }

    @Test("recv on a streaming socket is invalid(state)", arguments: TestBackends.all)
    func streamOwnsReads(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { p.close() }
        try api.stream(p.server, to: EchoHandler(api: api))
        await #expect(throws: SocketError.invalid(.state)) {
            _ = try await api.recv(p.server, length: 0, timeout: .milliseconds(50))
        }
        #expect(throws: SocketError.invalid(.state)) { try api.stream(p.server, to: EchoHandler(api: api)) }
    }

    @Test("bytes written before close still reach the peer", arguments: TestBackends.all)
    func writesSurviveClose(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { p.close() }
        // Far more than the (shrunk) socket buffers hold, so most of it is still queued at close.
        try shrinkBuffers(api, sender: p.server, receiver: p.client)
        let size = 2 << 20
        let data = patternBytes(7, size)
        try api.write(p.server, data)
        try api.close(p.server)
        var got: [UInt8] = []
        got.reserveCapacity(size)
        while got.count < size {
            do {
                got += try await api.recv(p.client, length: 0, timeout: .seconds(10))
            } catch {
                Issue.record("after \(got.count) bytes: \(error)")
                break
            }
        }
        #expect(got == data)
        await #expect(throws: SocketError.closed) {
            _ = try await api.recv(p.client, length: 0, timeout: .seconds(10))
        }
    }
}
