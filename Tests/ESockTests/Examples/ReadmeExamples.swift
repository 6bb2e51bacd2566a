import Testing
import ESock

// The README's examples, kept compiling and passing here.

@Suite("README examples")
struct ReadmeExamples {
    /// The select model (poll backend): nowait says "not yet", a `select` message says
    /// "ready, call again", and the second call gets the data.
    @Test func selectModel() async throws {
        let api = try socketAPI(.poll)
        let listener = try api.open(.inet, .stream, .tcp)
        try api.bind(listener, .loopback)
        try api.listen(listener)
        let client = try api.open(.inet, .stream, .tcp)
        async let accepted = api.accept(listener, timeout: .seconds(5))
        try await api.connect(client, try api.sockname(listener), timeout: .seconds(5))
        let server = try await accepted

        let mailbox = Mailbox()
        guard case .select(let info, _) = try api.recv(server, length: 0, nowait: mailbox) else {
            Issue.record("expected select"); return
        }
        try await api.send(client, Array("hello".utf8))
        let message = await mailbox.receive(timeout: .seconds(5))
        guard case .select(_, let handle)? = message, handle == info.handle else {
            Issue.record("expected select message, got \(String(describing: message))"); return
        }
        guard case .ok(let data) = try api.recv(server, length: 0, nowait: mailbox) else {
            Issue.record("expected data"); return
        }
        #expect(data == Array("hello".utf8))
        for s in [client, server, listener] { try api.close(s) }
    }

    /// The completion model (uring backend): nowait hands the receive to the kernel; the
    /// `completion` message carries the data. No second call.
    @Test(.enabled(if: URingProbe.current.isUsable, "io_uring unavailable here"))
    func completionModel() async throws {
        let api = try socketAPI(.uring)
        let listener = try api.open(.inet, .stream, .tcp)
        try api.bind(listener, .loopback)
        try api.listen(listener)
        let client = try api.open(.inet, .stream, .tcp)
        async let accepted = api.accept(listener, timeout: .seconds(5))
        try await api.connect(client, try api.sockname(listener), timeout: .seconds(5))
        let server = try await accepted

        let mailbox = Mailbox()
        guard case .completion(let info, _) = try api.recv(server, length: 0, nowait: mailbox) else {
            Issue.record("expected completion"); return
        }
        try await api.send(client, Array("hello".utf8))
        let message = await mailbox.receive(timeout: .seconds(5))
        guard case .completion(_, let handle, .data(let data))? = message, handle == info.handle else {
            Issue.record("expected completion message, got \(String(describing: message))"); return
        }
        #expect(data == Array("hello".utf8))
        for s in [client, server, listener] { try api.close(s) }
    }

    /// Plain async/await on the backend `auto` picks, with the README's scoped server and client.
    @Test func asyncAwait() async throws {
        let listener = try Socket.listen(on: .inet(.loopback, port: 0))
        let address = try listener.api.sockname(listener)
        let server = Task {
            try await listener.serve { connection in
                while let bytes = try? await connection.recv(timeout: .seconds(30)) {
                    try await connection.send(bytes)
                }
            }
        }
        let reply = try await Socket.withConnection(to: address, timeout: .seconds(5)) { client in
            try await client.send(Array("ping".utf8))
            return try await client.recv(length: 4, timeout: .seconds(5))
        }
        #expect(reply == Array("ping".utf8))
        server.cancel()
        try await server.value
        #expect(listener.isClosed)
    }
}
