import Testing
import ESock

// The documentation catalog's examples (Sources/ESock/ESock.docc), kept compiling and passing.

@Suite("Documentation examples")
struct DocumentationExamples {
    /// Getting Started's `receive`: one function for both models. Written as the article
    /// shows it, with the API and mailbox passed in.
    private static func receive(_ s: Socket, api: any SocketAPI, mailbox: Mailbox) async throws -> [UInt8]? {
        switch try api.recv(s, length: 0, nowait: mailbox) {
        case .ok(let data):
            return data                                       // it was already there
        case .select(let info, _):                            // poll: wait for "ready", call again
            guard case .select? = await mailbox.receive(timeout: .seconds(5), where: { $0.handle == info.handle })
            else { try api.cancel(s, .select(info), caller: mailbox); return nil }
            if case .ok(let data) = try api.recv(s, length: 0, nowait: mailbox) { return data }
            return nil
        case .completion(let info, _):                        // uring: the message carries the result
            switch await mailbox.receive(timeout: .seconds(5), where: { $0.handle == info.handle }) {
            case .completion(_, _, .data(let data))?: return data
            case .completion(_, _, .error(let error))?: throw error
            case nil: try api.cancel(s, .completion(info), caller: mailbox); return nil
            default: return nil
            }
        }
    }

    @Test(arguments: TestBackends.all)
    func nowaitReceiveOnEitherModel(_ backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let pair = try await StreamPair.make(api)
        defer { pair.close() }
        let mailbox = Mailbox()
        // Nothing sent yet: the call is pending, then the bytes arrive.
        async let got = Self.receive(pair.server, api: api, mailbox: mailbox)
        try await Task.sleep(for: .milliseconds(20))
        try await api.send(pair.client, Array("hello".utf8), timeout: .seconds(5))
        #expect(try await got == Array("hello".utf8))
        // Bytes already there: `.ok` at once.
        try await api.send(pair.client, Array("again".utf8), timeout: .seconds(5))
        var again: [UInt8] = []
        for _ in 0..<100 where again.isEmpty {
            again = try await Self.receive(pair.server, api: api, mailbox: mailbox) ?? []
        }
        #expect(again == Array("again".utf8))
        #expect(mailbox.count == 0)
    }

    /// Getting Started's scoped server and client, cancelled as the article shows.
    @Test func scopedServerAndClient() async throws {
        let listener = try Socket.listen(on: .inet(.loopback, port: 0))
        let address = try listener.api.sockname(listener)
        let server = Task {
            try await listener.closing { listener in
                try await listener.serve { connection in
                    while let bytes = try? await connection.recv(timeout: .seconds(30)) {
                        try await connection.send(bytes)
                    }
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
