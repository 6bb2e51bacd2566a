import Testing
@testable import ESock

extension BlockingTests {
    /// Bad arguments give a typed `invalid(...)` error before anything reaches the kernel;
    /// nothing crashes and the socket stays usable.
    @Suite("Bad input")
    struct BadInput {
        /// Whether `error` is `invalid` of the kind `kind` names (`address`, `argument`,
        /// `operation`); records an issue otherwise.
        static func expectInvalid(_ error: SocketError?, _ kind: String,
                                  sourceLocation: SourceLocation = #_sourceLocation) {
            let ok: Bool
            switch (error, kind) {
            case (.invalid(.address(let s))?, "address"), (.invalid(.argument(let s))?, "argument"),
                 (.invalid(.operation(let s))?, "operation"):
                ok = !s.isEmpty
            default:
                ok = false
            }
            #expect(ok, "expected invalid(\(kind)(...)), got \(error.map { "\($0)" } ?? "no error")",
                    sourceLocation: sourceLocation)
        }

        @Test(arguments: TestBackends.all)
        func invalidAddresses(_ backend: Backend) async throws {
            let api = try TestBackends.apiOrCancel(backend)
            let s = try api.open(.inet, .stream, .tcp)
            defer { try? api.close(s) }
            let v6 = SocketAddress.inet6(.loopback, port: 1)
            let t = BlockingFixtures.patience

            // An IPv6 address on an IPv4 socket.
            Self.expectInvalid(#expect(throws: SocketError.self) { try api.bind(s, v6) }, "address")
            Self.expectInvalid(await #expect(throws: SocketError.self) { try await api.connect(s, v6, timeout: t) },
                               "address")

            // A Unix path longer than sun_path, and empty names.
            let u = try api.open(.local, .stream)
            defer { try? api.close(u) }
            let long = "/tmp/" + String(repeating: "x", count: 200)
            Self.expectInvalid(#expect(throws: SocketError.self) { try api.bind(u, .local(path: long)) }, "address")
            Self.expectInvalid(await #expect(throws: SocketError.self) {
                try await api.connect(u, .local(path: long), timeout: t)
            }, "address")
            Self.expectInvalid(#expect(throws: SocketError.self) { try api.bind(u, .local(path: "")) }, "address")
            Self.expectInvalid(#expect(throws: SocketError.self) { try api.bind(u, .abstract(name: [])) }, "address")
            Self.expectInvalid(#expect(throws: SocketError.self) {
                try api.bind(u, .abstract(name: [UInt8](repeating: 65, count: 200)))
            }, "address")
            Self.expectInvalid(#expect(throws: SocketError.self) { try api.bind(u, .local(path: "/tmp/a\0b")) },
                               "address")
            // An IPv4 address on a Unix socket.
            Self.expectInvalid(#expect(throws: SocketError.self) { try api.bind(u, .inet(.loopback, port: 0)) },
                               "address")
            // A shortcut without meaning for the domain.
            Self.expectInvalid(#expect(throws: SocketError.self) { try api.bind(u, .loopback) }, "address")

            // Text that is no address.
            #expect(SocketAddress("not an address") == nil)
            #expect(SocketAddress("") == nil)
            #expect(SocketAddress("127.0.0.1") == nil)
            #expect(SocketAddress("127.0.0.1:99999") == nil)
            #expect(SocketAddress("[::1]") == nil)
            #expect(SocketAddress("[::1]:80") == .inet6(.loopback, port: 80))
            #expect(SocketAddress("127.0.0.1:80") == .inet(.loopback, port: 80))

            // The sockets still work.
            try api.bind(s, .loopback)
            #expect(try api.sockname(s).port != 0)
        }

        /// Negative lengths and an empty buffer list.
        @Test(arguments: TestBackends.all)
        func invalidLengths(_ backend: Backend) async throws {
            let api = try TestBackends.apiOrCancel(backend)
            let p = try await BlockingFixtures.pair(api, .inet)
            defer { p.close() }
            let t = BlockingFixtures.patience
            Self.expectInvalid(await #expect(throws: SocketError.self) {
                try await api.recv(p.server, length: -1, timeout: t)
            }, "argument")
            Self.expectInvalid(await #expect(throws: SocketError.self) {
                try await api.recvmsg(p.server, bufferSizes: [], controlSize: 0, timeout: t)
            }, "argument")
            Self.expectInvalid(await #expect(throws: SocketError.self) {
                try await api.recvmsg(p.server, bufferSizes: [10, -5], controlSize: 0, timeout: t)
            }, "argument")
            Self.expectInvalid(await #expect(throws: SocketError.self) {
                try await api.recvmsg(p.server, bufferSizes: [10], controlSize: -1, timeout: t)
            }, "argument")
            Self.expectInvalid(await #expect(throws: SocketError.self) {
                try await api.recv(p.server, length: (1 << 30) + 1, timeout: t)
            }, "argument")
            Self.expectInvalid(#expect(throws: SocketError.self) { try api.listen(p.listener, backlog: -1) },
                               "argument")

            let (a, b) = try BlockingFixtures.udpPair(api, .inet)
            defer { try? api.close(a); try? api.close(b) }
            Self.expectInvalid(await #expect(throws: SocketError.self) {
                try await api.recvfrom(a, length: -3, timeout: t)
            }, "argument")

            // Nothing was consumed or broken by the refused calls.
            try await BlockingFixtures.roundTrip(api, [1, 2, 3], from: p.client, to: p.server)
        }

        /// Calls that do not apply to the kind of socket.
        @Test(arguments: TestBackends.all)
        func wrongKindOfSocket(_ backend: Backend) async throws {
            let api = try TestBackends.apiOrCancel(backend)
            let p = try await BlockingFixtures.pair(api, .inet)
            defer { p.close() }
            let t = BlockingFixtures.patience
            let somewhere = try api.sockname(p.listener)
            // Datagram calls on a TCP socket.
            Self.expectInvalid(await #expect(throws: SocketError.self) {
                try await api.sendto(p.client, [1], to: somewhere, timeout: t)
            }, "operation")
            Self.expectInvalid(await #expect(throws: SocketError.self) {
                try await api.recvfrom(p.server, length: 0, timeout: t)
            }, "operation")

            // Stream calls on a UDP socket.
            let (a, b) = try BlockingFixtures.udpPair(api, .inet)
            defer { try? api.close(a); try? api.close(b) }
            Self.expectInvalid(await #expect(throws: SocketError.self) { try await api.accept(a, timeout: t) },
                               "operation")
            Self.expectInvalid(#expect(throws: SocketError.self) { try api.listen(a) }, "operation")

            // What the kernel refuses comes back as its errno: accept on a socket that does
            // not listen, connect on one that is connected.
            let idle = try api.open(.inet, .stream, .tcp)
            defer { try? api.close(idle) }
            try api.bind(idle, .loopback)
            await #expect(throws: SocketError.errno(.einval)) { try await api.accept(idle, timeout: t) }
            await #expect(throws: SocketError.errno(.eisconn)) { try await api.connect(p.client, somewhere, timeout: t) }

            // The TCP connection was not disturbed.
            try await BlockingFixtures.roundTrip(api, [4, 5], from: p.server, to: p.client)
        }
    }
}
