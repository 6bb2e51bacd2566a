
import Testing
@testable import ESock

/// `serve`, `withListener`, `withConnection` and `closing`: every socket they open or accept
/// is closed on every way out (return, throw, task cancellation), and nothing leaks.
@Suite("Scoped servers and sockets")
struct ScopedLifetimeTests {
    /// A listener on loopback for `backend`, and its address.
    static func listener(_ backend: Backend) throws -> (Socket, SocketAddress) {
        let l = try Socket.listen(on: .inet(.loopback, port: 0), backend: backend)
        return (l, try l.api.sockname(l))
    }

    @Test("serve echoes, a throwing handler ends only its connection, and cancelling closes everything",
          arguments: TestBackends.all)
    func serveLifetimes(backend: Backend) async throws {
        guard try TestBackends.api(backend) != nil else { return }
        let (listener, address) = try Self.listener(backend)
        let accepted = Lock<[Socket]>([])
        let server = Task {
            try await listener.serve { connection in
                accepted.withLock { $0.append(connection) }
                let first = try await connection.recv(timeout: .seconds(10))
                if first == Array("fail".utf8) { throw SocketError.invalid(.argument("the handler gave up")) }
                try await connection.send(first)
                while true { try await connection.send(try await connection.recv()) }
            }
        }
        var clients: [Socket] = []
        defer { for c in clients { try? c.close() } }
        for i in 0..<3 {
            let c = try await Socket.connect(to: address, timeout: .seconds(10), backend: backend)
            clients.append(c)
            let message = patternBytes(i, 100)
            try await c.send(message)
            #expect(try await c.recv(length: 100, timeout: .seconds(10)) == message)
        }
        // A handler that throws: its connection is closed (the client reads the end), the
        // server goes on.
        let failing = try await Socket.connect(to: address, timeout: .seconds(10), backend: backend)
        defer { try? failing.close() }
        try await failing.send(Array("fail".utf8))
        await #expect(throws: SocketError.self) { _ = try await failing.recv(length: 1, timeout: .seconds(10)) }
        try await clients[0].send([7])
        #expect(try await clients[0].recv(length: 1, timeout: .seconds(10)) == [7])

        var watch = DescriptorWatch()
        for s in accepted.withLock({ $0 }) + [listener] { _ = watch.note(s) }
        server.cancel()
        try await server.value
        #expect(listener.isClosed)
        #expect(accepted.withLock { $0.allSatisfy(\.isClosed) }, "every connection is closed")
        #expect(await eventually { watch.stillOpen == 0 }, "\(watch.stillOpen) descriptors still open")
        for c in clients {
            await #expect(throws: SocketError.self) { _ = try await c.recv(length: 1, timeout: .seconds(10)) }
        }
    }

    @Test("serve returns when its listener is closed", arguments: TestBackends.all)
    func serveEndsOnClose(backend: Backend) async throws {
        guard try TestBackends.api(backend) != nil else { return }
        let (listener, _) = try Self.listener(backend)
        let server = Task { try await listener.serve { _ in } }
        try await Task.sleep(for: .milliseconds(20))
        try listener.close()
        try await server.value
    }

    @Test("withListener and withConnection close on return and on throw", arguments: TestBackends.all)
    func scopedHelpers(backend: Backend) async throws {
        guard try TestBackends.api(backend) != nil else { return }
        struct Bail: Error {}
        final class Kept: Sendable { let sockets = Lock<[Socket]>([]) }
        let kept = Kept()
        let echoed = try await Socket.withListener(on: .inet(.loopback, port: 0), backend: backend) { l in
            kept.sockets.withLock { $0.append(l) }
            let address = try l.api.sockname(l)
            let server = Task { try await l.closing { l in
                let s = try await l.accept(timeout: .seconds(10))
                try await s.closing { s in try await s.send(try await s.recv(length: 2, timeout: .seconds(10))) }
                kept.sockets.withLock { $0.append(s) }
            } }
            let back = try await Socket.withConnection(to: address, timeout: .seconds(10), backend: backend) { c in
                kept.sockets.withLock { $0.append(c) }
                try await c.send([1, 2])
                return try await c.recv(length: 2, timeout: .seconds(10))
            }
            try await server.value
            return back
        }
        #expect(echoed == [1, 2])
        #expect(kept.sockets.withLock { $0.count == 3 && $0.allSatisfy(\.isClosed) })
        let thrown = Lock<Socket?>(nil)
        await #expect(throws: Bail.self) {
            try await Socket.withListener(on: .inet(.loopback, port: 0), backend: backend) { l in
                thrown.withLock { $0 = l }
                throw Bail()
            }
        }
        #expect(thrown.withLock { $0?.isClosed } == true)
    }
}
