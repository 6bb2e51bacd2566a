import Testing
@testable import ESock
#if canImport(Glibc)
import Glibc
#endif

extension BlockingTests {
    /// connect, accept, send and recv both ways over every stream domain, and the shapes of
    /// the addresses sockname and peername report.
    @Suite("Streams: TCP over IPv4 and IPv6, Unix path and abstract")
    struct Streams {
        /// Data both ways, in a few sizes, including one larger than a socket buffer.
        static func exchange(_ p: StreamPair) async throws {
            for (i, size) in [1, 100, 3000, 200_000].enumerated() {
                try await BlockingFixtures.roundTrip(p.api, BlockingFixtures.pattern(size, seed: UInt8(i)),
                                                     from: p.client, to: p.server)
                try await BlockingFixtures.roundTrip(p.api, BlockingFixtures.pattern(size, seed: UInt8(i + 100)),
                                                     from: p.server, to: p.client)
            }
        }

        @Test(arguments: TestBackends.all)
        func tcpIPv4(_ backend: Backend) async throws {
            let api = try TestBackends.apiOrCancel(backend)
            let p = try await BlockingFixtures.pair(api, .inet)
            defer { p.close() }
            try await Self.exchange(p)

            let listening = try api.sockname(p.listener)
            guard case .inet(let la, let lport) = listening else {
                Issue.record("listener sockname \(listening) is not an IPv4 address"); return
            }
            #expect(la == .loopback)
            #expect(lport != 0)
            #expect(try api.sockname(p.server) == listening)
            #expect(try api.peername(p.client) == listening)
            let client = try api.sockname(p.client)
            guard case .inet(let ca, let cport) = client else {
                Issue.record("client sockname \(client) is not an IPv4 address"); return
            }
            #expect(ca == .loopback)
            #expect(cport != 0 && cport != lport)
            #expect(try api.peername(p.server) == client)
            #expect(client.domain == .inet && client.port == cport)
        }

        @Test(arguments: TestBackends.all)
        func tcpIPv6(_ backend: Backend) async throws {
            let api = try TestBackends.apiOrCancel(backend)
            let p = try await BlockingFixtures.pair(api, .inet6)
            defer { p.close() }
            try await Self.exchange(p)

            let listening = try api.sockname(p.listener)
            guard case .inet6(let la, let lport, _, _) = listening else {
                Issue.record("listener sockname \(listening) is not an IPv6 address"); return
            }
            #expect(la == .loopback)
            #expect(la.description == "::1")
            #expect(lport != 0)
            #expect(try api.sockname(p.server) == listening)
            #expect(try api.peername(p.client) == listening)
            let client = try api.sockname(p.client)
            guard case .inet6(let ca, let cport, _, _) = client else {
                Issue.record("client sockname \(client) is not an IPv6 address"); return
            }
            #expect(ca == .loopback)
            #expect(cport != 0 && cport != lport)
            #expect(try api.peername(p.server) == client)
            #expect("\(client)" == "[::1]:\(cport)")
        }

        @Test(arguments: TestBackends.all)
        func unixPath(_ backend: Backend) async throws {
            let api = try TestBackends.apiOrCancel(backend)
            let path = BlockingFixtures.unixPath()
            defer { unlink(path) }
            let p = try await BlockingFixtures.pair(api, .local, at: .local(path: path))
            defer { p.close() }
            try await Self.exchange(p)

            #expect(try api.sockname(p.listener) == .local(path: path))
            #expect(try api.sockname(p.server) == .local(path: path))
            #expect(try api.peername(p.client) == .local(path: path))
            // The client never bound: the kernel reports it without a name, on both ends.
            #expect(try api.sockname(p.client) == .unnamed)
            #expect(try api.peername(p.server) == .unnamed)
        }

        @Test(arguments: TestBackends.all)
        func unixAbstract(_ backend: Backend) async throws {
            let api = try TestBackends.apiOrCancel(backend)
            let name = Array("esock-blocking-\(UInt64.random(in: 0...UInt64.max))".utf8)
            let p = try await BlockingFixtures.pair(api, .local, at: .abstract(name: name))
            defer { p.close() }
            try await Self.exchange(p)

            #expect(try api.sockname(p.listener) == .abstract(name: name))
            #expect(try api.sockname(p.server) == .abstract(name: name))
            #expect(try api.peername(p.client) == .abstract(name: name))
            #expect(try api.sockname(p.client) == .unnamed)
            #expect(try api.peername(p.server) == .unnamed)
        }

        /// A bound Unix client is reported by name on the server side.
        @Test(arguments: TestBackends.all)
        func unixBoundClient(_ backend: Backend) async throws {
            let api = try TestBackends.apiOrCancel(backend)
            let serverPath = BlockingFixtures.unixPath()
            let clientPath = BlockingFixtures.unixPath()
            defer { unlink(serverPath); unlink(clientPath) }
            let l = try api.open(.local, .stream)
            defer { try? api.close(l) }
            try api.bind(l, .local(path: serverPath))
            try api.listen(l)
            let c = try api.open(.local, .stream)
            defer { try? api.close(c) }
            try api.bind(c, .local(path: clientPath))
            async let accepted = api.accept(l, timeout: BlockingFixtures.patience)
            try await api.connect(c, .local(path: serverPath), timeout: BlockingFixtures.patience)
            let s = try await accepted
            defer { try? api.close(s) }
            #expect(try api.peername(s) == .local(path: clientPath))
            #expect(try api.sockname(c) == .local(path: clientPath))
            try await BlockingFixtures.roundTrip(api, [1, 2, 3], from: s, to: c)
        }

        /// A connect to a loopback port nobody listens on is refused, promptly, on every domain.
        @Test(arguments: TestBackends.all)
        func connectRefused(_ backend: Backend) async throws {
            let api = try TestBackends.apiOrCancel(backend)
            // A port that was just free: bound, then closed without listening.
            let probe = try api.open(.inet, .stream, .tcp)
            try api.bind(probe, .loopback)
            let free = try api.sockname(probe)
            try api.close(probe)
            let c = try api.open(.inet, .stream, .tcp)
            defer { try? api.close(c) }
            let r = await BlockingFixtures.timed { () async throws(SocketError) in
                try await api.connect(c, free, timeout: BlockingFixtures.patience)
            }
            #expect(BlockingFixtures.failure(r.result) == .errno(.econnrefused))
            BlockingFixtures.expectPrompt(r.elapsed)
            #expect(!api.info(c).writeStates.contains(.connected))

            // A Unix path with no socket behind it.
            let u = try api.open(.local, .stream)
            defer { try? api.close(u) }
            await #expect(throws: SocketError.errno(.enoent)) {
                try await api.connect(u, .local(path: BlockingFixtures.unixPath()), timeout: BlockingFixtures.patience)
            }
        }

        /// Several clients connect before any accept; each accept returns a distinct, working
        /// connection.
        @Test(arguments: TestBackends.all)
        func severalAccepts(_ backend: Backend) async throws {
            let api = try TestBackends.apiOrCancel(backend)
            let l = try api.open(.inet, .stream, .tcp)
            defer { try? api.close(l) }
            try api.bind(l, .loopback)
            try api.listen(l, backlog: 8)
            let addr = try api.sockname(l)
            var clients: [Socket] = []
            defer { for c in clients { try? api.close(c) } }
            for _ in 0..<3 {
                let c = try api.open(.inet, .stream, .tcp)
                clients.append(c)
                try await api.connect(c, addr, timeout: BlockingFixtures.patience)
            }
            var servers: [Socket] = []
            defer { for s in servers { try? api.close(s) } }
            for _ in 0..<3 { servers.append(try await api.accept(l, timeout: BlockingFixtures.patience)) }
            let clientPorts = Set(try clients.map { try api.sockname($0) })
            let peerPorts = Set(try servers.map { try api.peername($0) })
            #expect(clientPorts.count == 3)
            #expect(clientPorts == peerPorts)
            for c in clients {
                let here = try api.sockname(c)
                guard let s = try servers.first(where: { try api.peername($0) == here }) else { continue }
                try await BlockingFixtures.roundTrip(api, BlockingFixtures.pattern(64, seed: UInt8(here.port! & 0xff)),
                                                     from: c, to: s)
            }
        }
    }
}
