import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import ESock

/// The checks made against the option table before the kernel is asked, and what is left
/// to the kernel.
@Suite struct OptionValidationTests {
    private func invalid(_ o: SocketOption) -> SocketError { .invalid(.socketOption(level: o.level.rawValue, name: o.name)) }

    @Test("setting a get-only option is invalid", arguments: TestBackends.all)
    func getOnlySet(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let s = try api.open(.inet, .stream, .tcp)
        defer { try? api.close(s) }
        let cases: [(SocketOption, OptionValue)] = [
            (.init(.socket, "type"), .type(.dgram)),
            (.init(.socket, "protocol"), .protocol(.udp)),
            (.init(.socket, "acceptconn"), .bool(true)),
            (.init(.ip, "mtu"), .int(1000)),
            (.init(.otp, "fd"), .int(3)),
            (.init(.otp, "domain"), .domain(.inet6)),
            (.useRegistry, .bool(false)),
        ]
        for (o, v) in cases {
            #expect(throws: invalid(o), "\(o)") { try api.setopt(s, o, v) }
        }
    }

    @Test("getting a set-only option is invalid", arguments: TestBackends.all)
    func setOnlyGet(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let u = try api.open(IPv6Loopback.available ? .inet6 : .inet, .dgram, .udp)
        defer { try? api.close(u) }
        for o in [SocketOption(.ip, "add_membership"), .init(.ip, "msfilter"), .init(.ip, "block_source"),
                  .init(.ipv6, "addrform"), .init(.ipv6, "join_group"), .init(.sctp, "events")] {
            #expect(throws: invalid(o), "\(o)") { try api.getopt(u, o) }
        }
    }

    @Test("unknown names are invalid at every level", arguments: TestBackends.all)
    func unknown(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let s = try api.open(.inet, .stream, .tcp)
        defer { try? api.close(s) }
        for level in OptionLevel.allCases {
            let o = SocketOption(level, "bogus")
            #expect(throws: invalid(o)) { try api.getopt(s, o) }
            #expect(throws: invalid(o)) { try api.setopt(s, o, .bool(true)) }
        }
        // A Linux option OTP has no name for.
        #expect(throws: invalid(.init(.tcp, "quickack"))) { try api.getopt(s, .init(.tcp, "quickack")) }
    }

    @Test("a value of the wrong type or out of the C type's range is invalid", arguments: TestBackends.all)
    func wrongValue(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let s = try api.open(.inet, .stream, .tcp)
        // The ipv6 cases are refused before the kernel sees them, whatever the socket's domain.
        let s6 = try api.open(IPv6Loopback.available ? .inet6 : .inet, .stream, .tcp)
        defer { try? api.close(s); try? api.close(s6) }
        let cases: [(Socket, SocketOption, OptionValue)] = [
            (s, .keepalive, .int(1)),                                   // OTP: bool only
            (s, .nodelay, .string("yes")),
            (s, .init(.ip, "ttl"), .bool(true)),
            (s, .init(.ip, "ttl"), .int(1 << 40)),
            (s, .init(.ip, "tos"), .string("lowdelay")),
            (s, .init(.ip, "tos"), .int(256)),
            (s, .linger, .linger(-1)),
            (s, .linger, .bool(false)),
            (s, .init(.ip, "multicast_if"), .ipv4Membership),
            (s, .init(.tcp, "congestion"), .string(String(repeating: "x", count: 40))),
            (s, .init(.socket, "bindtodevice"), .string("lo\u{0}")),
            (s, .init(.otp, "rcvbuf"), .int(0)),
            (s, .init(.otp, "rcvbuf"), .pair(0, 10)),
            (s, .init(.otp, "rcvbuf"), .pair(Int.max, 2)),
            (s, .init(.otp, "rcvctrlbuf"), .pair(1, 1)),
            (s, .init(.otp, "debug"), .int(1)),
            (s, .init(.otp, "meta"), .int(1)),
            (s6, .init(.ipv6, "addrform"), .domain(.inet6)),
            (s6, .init(.ipv6, "unicast_hops"), .bool(true)),
        ]
        for (sock, o, v) in cases {
            #expect(throws: invalid(o), "\(o) := \(v)") { try api.setopt(sock, o, v) }
        }
    }

    @Test("options of other systems are known but invalid here", arguments: TestBackends.all)
    func otherPlatforms(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let s = try api.open(.inet, .stream, .tcp)
        defer { try? api.close(s) }
        let windows = ["bsp_state", "exclusiveaddruse", "maxdg", "max_msg_size"].map { SocketOption(.socket, $0) }
        let bsd = [SocketOption(.tcp, "nopush"), .init(.tcp, "noopt"), .init(.socket, "acceptfilter"),
                   .init(.ip, "recvdstaddr"), .init(.ipv6, "pktinfo")]
        for o in windows + bsd {
            #expect(OptionTable.rows[o] != nil, "\(o) is in the table")
            #expect(throws: invalid(o), "\(o)") { try api.getopt(s, o) }
            #expect(throws: invalid(o), "\(o)") { try api.setopt(s, o, .bool(true)) }
            #expect(!isSupported(o), "\(o)")
        }
    }

    @Test("kind requirements OTP leaves to the OS get the kernel's errno", arguments: TestBackends.all)
    func leftToTheKernel(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let t = try api.open(.inet, .stream, .tcp)
        let u = try api.open(.inet, .dgram, .udp)
        let l = try api.open(.local, .stream)
        defer { for s in [t, u, l] { try? api.close(s) } }
        // Level sctp on a TCP socket: Linux says enotsup to get and enoprotoopt to set, as under OTP.
        #expect(throws: SocketError.errno(.enoprotoopt)) { try api.setopt(t, .init(.sctp, "nodelay"), .bool(true)) }
        #expect(throws: SocketError.errno(.enotsup)) { try api.getopt(u, .nodelay) }
        #expect(throws: SocketError.errno(.enotsup)) { try api.getopt(t, .init(.udp, "cork")) }
        #expect(throws: SocketError.errno(.enotsup)) { try api.getopt(l, .init(.ip, "tos")) }
        #expect(throws: SocketError.errno(.enotsup)) { try api.getopt(t, .init(.ipv6, "v6only")) }
        // hdrincl is for raw sockets; the kernel refuses it on TCP.
        #expect(throws: SocketError.errno(.enoprotoopt)) { try api.setopt(t, .init(.ip, "hdrincl"), .bool(true)) }
        // ip.mtu needs a connected socket.
        #expect(throws: SocketError.errno(.enotconn)) { try api.getopt(u, .init(.ip, "mtu")) }
        // otp.assoc_id is the one requirement OTP checks itself: an SCTP seqpacket socket.
        #expect(throws: invalid(.init(.otp, "assoc_id"))) { try api.getopt(t, .init(.otp, "assoc_id")) }
    }

    @Test("a closed socket answers closed to a valid option, invalid to a bad one", arguments: TestBackends.all)
    func closedSocket(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let s = try api.open(.inet, .stream, .tcp)
        try api.close(s)
        #expect(throws: SocketError.closed) { try api.getopt(s, .nodelay) }
        #expect(throws: SocketError.closed) { try api.setopt(s, .nodelay, .bool(true)) }
        #expect(throws: SocketError.closed) { try api.getopt(s, .init(.otp, "rcvbuf")) }
        #expect(throws: SocketError.closed) { try api.setopt(s, .init(.otp, "rcvbuf"), .int(100)) }
        #expect(throws: invalid(.init(.tcp, "bogus"))) { try api.getopt(s, .init(.tcp, "bogus")) }
    }
}

private extension OptionValue {
    static let ipv4Membership = OptionValue.ipMembership(IPMembership(multiaddr: IPv4Address(224, 0, 0, 1)))
}
