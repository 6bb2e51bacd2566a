import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import ESock

/// The socket registry, with sockets that choose registration themselves at open, so these
/// tests do not depend on the process-wide default (see ``RegistryDefaultTests``). Tests run
/// in parallel: each uses its own label and looks at its own sockets only.
@Suite struct RegistryTests {
    private static func label(_ test: String) -> String { "registry-\(test)-\(UInt64.random(in: 0...UInt64.max))" }

    @Test("numberOf and whichSockets count open sockets and drop closed ones", arguments: TestBackends.all)
    func countsOpenDropsClosed(backend: Backend) throws {
        guard let api = try TestBackends.api(backend) else { return }
        let me = Self.label("count")
        let opts = OpenOptions(useRegistry: true, label: me)
        var open: [Socket] = []
        defer { for s in open { try? api.close(s) } }
        for _ in 0..<32 { open.append(try api.open(.inet, .stream, .tcp, options: opts)) }
        #expect(SocketRegistry.whichSockets(.label(me)) == open)
        // Other tests may open and close sockets meanwhile; ours are all counted.
        #expect(SocketRegistry.numberOf() >= open.count)

        for s in open.prefix(20) { try api.close(s) }
        #expect(SocketRegistry.whichSockets(.label(me)) == Array(open.suffix(12)))
        // Closing again is refused and changes nothing.
        #expect(throws: SocketError.closed) { try api.close(open[0]) }
        #expect(SocketRegistry.whichSockets(.label(me)).count == 12)
        for s in open.suffix(12) { try api.close(s) }
        #expect(SocketRegistry.whichSockets(.label(me)).isEmpty)
    }

    @Test("whichSockets filters by domain, type, protocol, label, predicate and all of several",
          arguments: TestBackends.all)
    func filters(backend: Backend) throws {
        guard let api = try TestBackends.api(backend) else { return }
        let me = Self.label("filters")
        let opts = OpenOptions(useRegistry: true, label: me)
        let tcp = try api.open(.inet, .stream, .tcp, options: opts)
        let udp = try api.open(.inet, .dgram, .udp, options: opts)
        let unixStream = try api.open(.local, .stream, .default, options: opts)
        let unixDgram = try api.open(.local, .dgram, .default, options: opts)
        let other = try api.open(.inet, .stream, .tcp, options: OpenOptions(useRegistry: true, label: me + "-other"))
        defer { for s in [tcp, udp, unixStream, unixDgram, other] { try? api.close(s) } }

        func mine(_ f: SocketRegistry.Filter) -> [Socket] { SocketRegistry.whichSockets(.allOf([.label(me), f])) }
        #expect(SocketRegistry.whichSockets(.label(me)) == [tcp, udp, unixStream, unixDgram])
        #expect(mine(.domain(.inet)) == [tcp, udp])
        #expect(mine(.domain(.local)) == [unixStream, unixDgram])
        #expect(mine(.domain(.inet6)).isEmpty)
        #expect(mine(.type(.stream)) == [tcp, unixStream])
        #expect(mine(.type(.dgram)) == [udp, unixDgram])
        #expect(mine(.protocol(.tcp)) == [tcp])
        #expect(mine(.protocol(.udp)) == [udp])
        #expect(mine(.protocol(.default)) == [unixStream, unixDgram])
        #expect(mine(.all) == [tcp, udp, unixStream, unixDgram])
        #expect(mine(.allOf([.domain(.local), .type(.dgram)])) == [unixDgram])
        #expect(SocketRegistry.whichSockets(.label(me + "-other")) == [other])
        // The predicate runs outside the registry's locks: it may use the socket API.
        let dgram = SocketRegistry.whichSockets(.predicate { s in
            s.label == me && (try? api.getopt(s, .init(.socket, "type"))) == .type(.dgram)
        })
        #expect(dgram == [udp, unixDgram])
        #expect(SocketRegistry.whichSockets(.allOf([.label(me), .predicate { _ in false }])).isEmpty)
    }

    @Test("the per-socket choice at open overrides the default, and use_registry reads it",
          arguments: TestBackends.all)
    func perSocketOverride(backend: Backend) throws {
        guard let api = try TestBackends.api(backend) else { return }
        let me = Self.label("override")
        let off = try api.open(.inet, .stream, .tcp, options: OpenOptions(useRegistry: false, label: me))
        let on = try api.open(.inet, .stream, .tcp, options: OpenOptions(useRegistry: true, label: me))
        defer { try? api.close(off); try? api.close(on) }
        #expect(SocketRegistry.whichSockets(.label(me)) == [on])
        #expect(try api.getopt(off, .useRegistry) == .bool(false))
        #expect(try api.getopt(on, .useRegistry) == .bool(true))
        #expect(api.info(off).useRegistry == false)
        #expect(throws: SocketError.invalid(.socketOption(level: "otp", name: "use_registry"))) {
            try api.setopt(on, .useRegistry, .bool(false))
        }
        #expect(try api.getopt(on, .useRegistry) == .bool(true))
    }

    @Test("an accepted socket is registered when its listener is", arguments: TestBackends.all)
    func acceptedInheritsListener(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        for registered in [true, false] {
            let me = Self.label("accept-\(registered)")
            let l = try api.open(.inet, .stream, .tcp, options: OpenOptions(useRegistry: registered, label: me))
            try api.bind(l, .loopback)
            try api.listen(l)
            let c = try api.open(.inet, .stream, .tcp, options: OpenOptions(useRegistry: false))
            async let accepted = api.accept(l, timeout: .seconds(5))
            try await api.connect(c, try api.sockname(l), timeout: .seconds(5))
            let a = try await accepted
            #expect(SocketRegistry.whichSockets(.label(me)) == (registered ? [l, a] : []))
            #expect(try api.getopt(a, .useRegistry) == .bool(registered))
            for s in [a, c, l] { try api.close(s) }
            #expect(SocketRegistry.whichSockets(.label(me)).isEmpty)
        }
    }

    @Test("a failed open registers nothing")
    func failedOpen() throws {
        let api = try socketAPI(.poll)
        let me = Self.label("failed")
        #expect(throws: SocketError.self) {
            try api.open(.inet, .stream, .sctp, options: OpenOptions(useRegistry: true, label: me))
        }
        #expect(SocketRegistry.whichSockets(.label(me)).isEmpty)
    }

    @Test("open and close on many tasks at once leave the registry exact", arguments: TestBackends.all)
    func concurrentChurn(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let me = Self.label("churn")
        let opts = OpenOptions(useRegistry: true, label: me)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    for i in 0..<250 {
                        let s = try api.open(i % 2 == 0 ? .inet : .local, .dgram, .default, options: opts)
                        // Our own socket is visible while it is open.
                        if i % 50 == 0 {
                            #expect(SocketRegistry.whichSockets(.label(me)).contains(s))
                        }
                        try api.close(s)
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(SocketRegistry.whichSockets(.label(me)).isEmpty)
    }

    @Test func environmentValues() {
        #expect(SocketRegistry.environmentChoice("true") == true)
        #expect(SocketRegistry.environmentChoice("TRUE") == true)
        #expect(SocketRegistry.environmentChoice("false") == false)
        #expect(SocketRegistry.environmentChoice("0") == false)
        #expect(SocketRegistry.environmentChoice("maybe") == nil)
        #expect(SocketRegistry.environmentChoice(nil) == nil)
    }
}

/// Tests that change or depend on the registry's process-wide default. They run one at a
/// time and restore the default; other suites never change it.
@Suite(.serialized) struct RegistryDefaultTests {
    /// What the default is when no test has changed it: the environment's choice, else the build's.
    private var startingDefault: Bool {
        SocketRegistry.environmentChoice(getenv("ESOCK_USE_SOCKET_REGISTRY").map { String(cString: $0) })
            ?? SocketRegistry.buildDefault
    }

    @Test("trace 19: getopt(C, {otp, use_registry}) is true by default", arguments: TestBackends.all)
    func row19(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        #expect(SocketRegistry.enabled == startingDefault)
        let p = try await StreamPair.make(api)
        defer { p.close() }
        #expect(try api.getopt(p.client, .useRegistry) == .bool(startingDefault))
        #if SocketRegistry
        if getenv("ESOCK_USE_SOCKET_REGISTRY") == nil {
            #expect(try api.getopt(p.client, .useRegistry) == .bool(true))
        }
        #endif
    }

    @Test("useRegistry(false) then open: not registered; useRegistry(true): registered",
          arguments: TestBackends.all)
    func runtimeDefault(backend: Backend) throws {
        guard let api = try TestBackends.api(backend) else { return }
        let before = SocketRegistry.enabled
        defer { SocketRegistry.useRegistry(before) }
        let me = "registry-default-\(UInt64.random(in: 0...UInt64.max))"

        SocketRegistry.useRegistry(false)
        let off = try api.open(.inet, .stream, .tcp, options: OpenOptions(label: me))
        SocketRegistry.useRegistry(true)
        let on = try api.open(.inet, .stream, .tcp, options: OpenOptions(label: me))
        SocketRegistry.useRegistry(before)
        defer { try? api.close(off); try? api.close(on) }

        #expect(!off.usesRegistry)
        #expect(on.usesRegistry)
        #expect(try api.getopt(off, .useRegistry) == .bool(false))
        #expect(try api.getopt(on, .useRegistry) == .bool(true))
        #expect(SocketRegistry.whichSockets(.label(me)) == [on])
        // A socket keeps its choice when the default changes later.
        SocketRegistry.useRegistry(!before)
        #expect(try api.getopt(on, .useRegistry) == .bool(true))
        #expect(try api.getopt(off, .useRegistry) == .bool(false))
    }
}
