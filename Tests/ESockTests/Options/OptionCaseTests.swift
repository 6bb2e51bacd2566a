#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import ESock

/// OTP socket_api_SUITE's api_opt_* cases for options ESock has and the other option suites
/// leave out: each sets what OTP's case sets and checks what it checks (the value read back,
/// and the effect where one shows on loopback), on every backend.
@Suite struct OptionCaseTests {
    static func udp(_ api: any SocketAPI) throws -> Socket {
        let s = try api.open(.inet, .dgram, .udp)
        try api.bind(s, .loopback)
        return s
    }

    /// api_opt_sock_acceptconn_udp and _tcp: get-only; false on a datagram socket and on a
    /// stream socket until it listens, true after.
    @Test(arguments: TestBackends.all)
    func acceptconn(backend: Backend) throws {
        guard let api = try TestBackends.api(backend) else { return }
        let option = SocketOption(.socket, "acceptconn")
        let u = try Self.udp(api)
        defer { try? api.close(u) }
        #expect(try api.getopt(u, option) == .bool(false))
        #expect(throws: SocketError.self) { try api.setopt(u, option, .bool(true)) }
        let t = try api.open(.inet, .stream, .tcp)
        defer { try? api.close(t) }
        try api.bind(t, .loopback)
        #expect(try api.getopt(t, option) == .bool(false))
        try api.listen(t, backlog: 4)
        #expect(try api.getopt(t, option) == .bool(true))
    }

    /// api_opt_sock_peek_off_tcpL: with peek_off set, each peeking recv reads on from where
    /// the last one stopped, and a plain recv still gets everything from the start.
    @Test(arguments: TestBackends.all)
    func peekOff(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api, domain: .local)
        defer { p.close() }
        let option = SocketOption(.socket, "peek_off")
        #expect(try api.getopt(p.server, option) == .int(-1))
        try api.setopt(p.server, option, .int(0))
        try await api.send(p.client, Array("abcdefgh".utf8), timeout: .seconds(5))
        #expect(try await api.recv(p.server, length: 3, flags: .peek, timeout: .seconds(5)) == Array("abc".utf8))
        #expect(try api.getopt(p.server, option) == .int(3))
        #expect(try await api.recv(p.server, length: 3, flags: .peek, timeout: .seconds(5)) == Array("def".utf8))
        #expect(try api.getopt(p.server, option) == .int(6))
        #expect(try await api.recv(p.server, length: 8, timeout: .seconds(5)) == Array("abcdefgh".utf8))
        #expect(try api.getopt(p.server, option) == .int(0), "a plain read moves the peek offset back")
    }

    /// api_opt_tcp_{nodelay,cork,maxseg,keepcnt,keepidle,keepintvl}_tcp4: read the default,
    /// set another value, read it back.
    @Test(arguments: TestBackends.all)
    func tcpLevel(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { p.close() }
        let s = p.client
        for name in ["nodelay", "cork"] {
            let o = SocketOption(.tcp, name)
            #expect(try api.getopt(s, o) == .bool(false), "\(name) is off by default")
            try api.setopt(s, o, .bool(true))
            #expect(try api.getopt(s, o) == .bool(true))
            try api.setopt(s, o, .bool(false))
            #expect(try api.getopt(s, o) == .bool(false))
        }
        for (name, value) in [("keepcnt", 5), ("keepidle", 30), ("keepintvl", 7)] {
            let o = SocketOption(.tcp, name)
            guard case .int(let initial) = try api.getopt(s, o) else { Issue.record("\(name) is not an int"); continue }
            #expect(initial > 0)
            try api.setopt(s, o, .int(value))
            #expect(try api.getopt(s, o) == .int(value))
        }
        // maxseg on a connected socket reports the path's MSS; set before connecting, the
        // kernel clamps later segments to it.
        let maxseg = SocketOption(.tcp, "maxseg")
        guard case .int(let mss) = try api.getopt(s, maxseg) else { Issue.record("maxseg is not an int"); return }
        #expect(mss > 0)
        let fresh = try api.open(.inet, .stream, .tcp)
        defer { try? api.close(fresh) }
        try api.setopt(fresh, maxseg, .int(1000))
        #expect(try api.getopt(fresh, maxseg) == .int(1000))
    }

    /// api_opt_udp_cork_udp4: while corked, datagrams sent are gathered into one, sent when
    /// the cork comes off.
    @Test(arguments: TestBackends.all)
    func udpCork(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let a = try Self.udp(api), b = try Self.udp(api)
        defer { try? api.close(a); try? api.close(b) }
        let cork = SocketOption(.udp, "cork")
        #expect(try api.getopt(a, cork) == .bool(false))
        try api.setopt(a, cork, .bool(true))
        #expect(try api.getopt(a, cork) == .bool(true))
        let to = try api.sockname(b)
        try await api.sendto(a, [1, 2], to: to, timeout: .seconds(5))
        try await api.sendto(a, [3], to: to, timeout: .seconds(5))
        await #expect(throws: SocketError.timeout) { try await api.recvfrom(b, timeout: .milliseconds(50)) }
        try api.setopt(a, cork, .bool(false))
        #expect(try await api.recvfrom(b, timeout: .seconds(5)).data == [1, 2, 3])
    }

    /// api_opt_sock_{rcvbuf,sndbuf,rcvlowat,sndlowat}_udp4: the buffers take a new size (the
    /// kernel doubles it); rcvlowat takes a value; Linux does not let sndlowat be changed.
    @Test(arguments: TestBackends.all)
    func buffersAndLowat(backend: Backend) throws {
        guard let api = try TestBackends.api(backend) else { return }
        let s = try Self.udp(api)
        defer { try? api.close(s) }
        for name in ["rcvbuf", "sndbuf"] {
            let o = SocketOption(.socket, name)
            try api.setopt(s, o, .int(12_345))
            #expect(try api.getopt(s, o) == .int(24_690), "\(name)")
        }
        let rcvlowat = SocketOption(.socket, "rcvlowat")
        #expect(try api.getopt(s, rcvlowat) == .int(1))
        try api.setopt(s, rcvlowat, .int(42))
        #expect(try api.getopt(s, rcvlowat) == .int(42))
        let sndlowat = SocketOption(.socket, "sndlowat")
        #expect(try api.getopt(s, sndlowat) == .int(1))
        #expect(throws: SocketError.errno(.enoprotoopt)) { try api.setopt(s, sndlowat, .int(2)) }
    }

    /// api_opt_sock_{priority_udp4,keepalive,oobinline,dontroute,reuseaddr,broadcast}: set
    /// and read back (priority 0-6 needs no privilege).
    @Test(arguments: TestBackends.all)
    func socketFlags(backend: Backend) throws {
        guard let api = try TestBackends.api(backend) else { return }
        let u = try Self.udp(api)
        defer { try? api.close(u) }
        try api.setopt(u, .init(.socket, "priority"), .int(5))
        #expect(try api.getopt(u, .init(.socket, "priority")) == .int(5))
        for name in ["broadcast", "dontroute", "reuseaddr"] {
            let o = SocketOption(.socket, name)
            #expect(try api.getopt(u, o) == .bool(false), "\(name)")
            try api.setopt(u, o, .bool(true))
            #expect(try api.getopt(u, o) == .bool(true), "\(name)")
        }
        let t = try api.open(.inet, .stream, .tcp)
        defer { try? api.close(t) }
        for name in ["keepalive", "oobinline"] {
            let o = SocketOption(.socket, name)
            #expect(try api.getopt(t, o) == .bool(false), "\(name)")
            try api.setopt(t, o, .bool(true))
            #expect(try api.getopt(t, o) == .bool(true), "\(name)")
        }
    }

    /// api_opt_ip_mopts_udp4 and api_opt_ipv6_mopts_udp6: the multicast options of a UDP
    /// socket: interface, loop (on by default) and ttl / hops, set and read back.
    @Test(.enabled(if: IPv6Loopback.available, IPv6Loopback.reason), arguments: TestBackends.all)
    func multicastOptions(backend: Backend) throws {
        guard let api = try TestBackends.api(backend) else { return }
        let u = try Self.udp(api)
        defer { try? api.close(u) }
        try api.setopt(u, .init(.ip, "multicast_if"), .ipv4(.loopback))
        #expect(try api.getopt(u, .init(.ip, "multicast_if")) == .ipv4(.loopback))
        #expect(try api.getopt(u, .init(.ip, "multicast_loop")) == .bool(true))
        try api.setopt(u, .init(.ip, "multicast_loop"), .bool(false))
        #expect(try api.getopt(u, .init(.ip, "multicast_loop")) == .bool(false))
        #expect(try api.getopt(u, .init(.ip, "multicast_ttl")) == .int(1))
        try api.setopt(u, .init(.ip, "multicast_ttl"), .int(9))
        #expect(try api.getopt(u, .init(.ip, "multicast_ttl")) == .int(9))

        let v6 = try api.open(.inet6, .dgram, .udp)
        defer { try? api.close(v6) }
        let lo = Int(if_nametoindex("lo"))
        try #require(lo != 0)
        try api.setopt(v6, .init(.ipv6, "multicast_if"), .int(lo))
        #expect(try api.getopt(v6, .init(.ipv6, "multicast_if")) == .int(lo))
        #expect(try api.getopt(v6, .init(.ipv6, "multicast_loop")) == .bool(true))
        try api.setopt(v6, .init(.ipv6, "multicast_loop"), .bool(false))
        #expect(try api.getopt(v6, .init(.ipv6, "multicast_loop")) == .bool(false))
        try api.setopt(v6, .init(.ipv6, "multicast_hops"), .int(3))
        #expect(try api.getopt(v6, .init(.ipv6, "multicast_hops")) == .int(3))
    }

    /// api_opt_sock_oobinline: with oobinline on, urgent data arrives in the stream; off,
    /// it is kept apart and read with the oob flag.
    @Test(arguments: TestBackends.all)
    func oobinlineDelivery(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { p.close() }
        let oobinline = SocketOption(.socket, "oobinline")
        try api.setopt(p.server, oobinline, .bool(true))
        try await api.send(p.client, [1, 2, 3], flags: .oob, timeout: .seconds(5))
        #expect(try await api.recv(p.server, length: 3, timeout: .seconds(5)) == [1, 2, 3])
        try api.setopt(p.server, oobinline, .bool(false))
        #expect(try api.getopt(p.server, oobinline) == .bool(false))
        try await api.send(p.client, [4, 5, 6], flags: .oob, timeout: .seconds(5))
        #expect(try await api.recv(p.server, length: 2, timeout: .seconds(5)) == [4, 5])
        #expect(try await api.recv(p.server, length: 1, flags: .oob, timeout: .seconds(5)) == [6])
    }

    /// api_opt_sock_broadcast: a datagram to the broadcast address is refused (eacces) until
    /// broadcast is set; after, the kernel takes it (or has no route for it).
    @Test(arguments: TestBackends.all)
    func broadcastSend(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let u = try api.open(.inet, .dgram, .udp)
        defer { try? api.close(u) }
        let everyone = SocketAddress.inet(IPv4Address(255, 255, 255, 255), port: 9)
        await #expect(throws: SocketError.errno(.eacces)) {
            try await api.sendto(u, [1], to: everyone, timeout: .seconds(5))
        }
        try api.setopt(u, .init(.socket, "broadcast"), .bool(true))
        do {
            try await api.sendto(u, [1], to: everyone, timeout: .seconds(5))
        } catch {
            #expect(error == .errno(.enetunreach), "broadcast set, yet: \(error)")
        }
    }

    /// api_opt_sock_debug and api_opt_sock_mark: privileged options; with CAP_NET_ADMIN they
    /// take a value and read it back, without it the kernel's eperm (or eacces) comes back.
    @Test(arguments: TestBackends.all)
    func privilegedSocketOptions(backend: Backend) throws {
        guard let api = try TestBackends.api(backend) else { return }
        let t = try api.open(.inet, .stream, .tcp)
        defer { try? api.close(t) }
        for (name, value) in [("debug", 1), ("mark", 42)] {
            let o = SocketOption(.socket, name)
            #expect(try api.getopt(t, o) == .int(0), "\(name) starts at 0")
            do {
                try api.setopt(t, o, .int(value))
                #expect(try api.getopt(t, o) == .int(value), "\(name)")
            } catch {
                #expect(error == .errno(.eperm) || error == .errno(.eacces), "\(name): \(error)")
            }
        }
    }
}
