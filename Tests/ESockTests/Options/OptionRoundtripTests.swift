import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import ESock

/// setopt then getopt gives back what was set, for a representative option of each value
/// kind, through both backends.
@Suite struct OptionRoundtripTests {
    @Test("bool, int and linger options at level socket", arguments: TestBackends.all)
    func socketLevel(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let s = try api.open(.inet, .stream, .tcp)
        defer { try? api.close(s) }
        for b in [true, false] {
            try api.setopt(s, .keepalive, .bool(b))
            #expect(try api.getopt(s, .keepalive) == .bool(b))
        }
        try api.setopt(s, .init(.socket, "priority"), .int(3))
        #expect(try api.getopt(s, .init(.socket, "priority")) == .int(3))
        for l in [5, 0, nil] as [Int?] {
            try api.setopt(s, .linger, .linger(l))
            #expect(try api.getopt(s, .linger) == .linger(l))
        }
        // The kernel doubles SO_SNDBUF; the point is that the value reached it.
        try api.setopt(s, .sndbuf, .int(10_000))
        #expect(try api.getopt(s, .sndbuf) == .int(20_000))
    }

    @Test("string options: tcp.congestion and socket.bindtodevice", arguments: TestBackends.all)
    func strings(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let s = try api.open(.inet, .stream, .tcp)
        defer { try? api.close(s) }
        let congestion = SocketOption(.tcp, "congestion")
        // The socket's default algorithm may always be set again, privileged or not.
        let current = try api.getopt(s, congestion)
        try api.setopt(s, congestion, current)
        #expect(try api.getopt(s, congestion) == current)
        #expect(throws: SocketError.errno(Errno(rawValue: ENOENT))) {
            try api.setopt(s, congestion, .string("no-such-cc"))
        }
        // reno is always built into Linux; another than the allowed ones needs CAP_NET_ADMIN
        // (which a container lacks), and that refusal must come back as eperm.
        do {
            try api.setopt(s, congestion, .string("reno"))
            #expect(try api.getopt(s, congestion) == .string("reno"))
        } catch {
            #expect(error == .errno(.eperm))
        }
        let device = SocketOption(.socket, "bindtodevice")
        do {
            try api.setopt(s, device, .string("lo"))
        } catch {
            // Where the kernel refuses (no CAP_NET_RAW, or an older kernel), the refusal
            // must come back as the errno.
            #expect(error == .errno(.eperm))
            return
        }
        #expect(try api.getopt(s, device) == .string("lo"))
        // Changing a binding needs CAP_NET_RAW (binding first does not, since Linux 5.7).
        do {
            try api.setopt(s, device, .string(""))
            #expect(try api.getopt(s, device) == .string(""))
        } catch {
            #expect(error == .errno(.eperm))
        }
    }

    @Test("ip.tos by name and by number; ip.mtu_discover; ip.ttl", arguments: TestBackends.all)
    func ipNamedValues(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let s = try api.open(.inet, .dgram, .udp)
        defer { try? api.close(s) }
        let tos = SocketOption(.ip, "tos")
        try api.setopt(s, tos, .tos(.lowdelay))
        #expect(try api.getopt(s, tos) == .tos(.lowdelay))
        try api.setopt(s, tos, .int(0x08))
        #expect(try api.getopt(s, tos) == .tos(.throughput))
        try api.setopt(s, tos, .int(0x20))
        #expect(try api.getopt(s, tos) == .int(0x20))
        let pmtu = SocketOption(.ip, "mtu_discover")
        for m in MTUDiscover.allCases {
            try api.setopt(s, pmtu, .mtuDiscover(m))
            #expect(try api.getopt(s, pmtu) == .mtuDiscover(m))
        }
        let ttl = SocketOption(.ip, "ttl")
        try api.setopt(s, ttl, .int(200))
        #expect(try api.getopt(s, ttl) == .int(200))
        // In C int range, so ESock passes it on; the kernel refuses it.
        #expect(throws: SocketError.errno(.einval)) { try api.setopt(s, ttl, .int(300)) }
    }

    @Test("IPv4 multicast: multicast_if, multicast_ttl, memberships and a source filter", arguments: TestBackends.all)
    func ipMulticast(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let s = try api.open(.inet, .dgram, .udp)
        defer { try? api.close(s) }
        let ifOpt = SocketOption(.ip, "multicast_if")
        try api.setopt(s, ifOpt, .ipv4(.loopback))
        #expect(try api.getopt(s, ifOpt) == .ipv4(.loopback))
        try api.setopt(s, ifOpt, .ipv4(.any))
        #expect(try api.getopt(s, ifOpt) == .ipv4(.any))
        try api.setopt(s, .init(.ip, "multicast_ttl"), .int(4))
        #expect(try api.getopt(s, .init(.ip, "multicast_ttl")) == .int(4))

        let group = IPMembership(multiaddr: IPv4Address(224, 0, 0, 251), interface: .loopback)
        try api.setopt(s, .init(.ip, "add_membership"), .ipMembership(group))
        // The kernel knows the group now: joining twice is refused.
        #expect(throws: SocketError.errno(Errno(rawValue: EADDRINUSE))) {
            try api.setopt(s, .init(.ip, "add_membership"), .ipMembership(group))
        }
        try api.setopt(s, .init(.ip, "drop_membership"), .ipMembership(group))
        // Left: leaving again is refused.
        #expect(throws: SocketError.errno(Errno(rawValue: EADDRNOTAVAIL))) {
            try api.setopt(s, .init(.ip, "drop_membership"), .ipMembership(group))
        }

        // A source filter needs a joined group; OTP's null filter is refused by the kernel.
        try api.setopt(s, .init(.ip, "add_membership"), .ipMembership(group))
        let filter = IPMulticastFilter(multiaddr: group.multiaddr, interface: .loopback, mode: .include,
                                       sources: [.loopback])
        try api.setopt(s, .init(.ip, "msfilter"), .ipMulticastFilter(filter))
        #expect(throws: SocketError.errno(.einval)) { try api.setopt(s, .init(.ip, "msfilter"), .ipMulticastFilter(nil)) }
        try api.setopt(s, .init(.ip, "drop_membership"), .ipMembership(group))

        let ssm = IPSourceMembership(multiaddr: IPv4Address(232, 1, 2, 3), interface: .loopback, sourceaddr: .loopback)
        try api.setopt(s, .init(.ip, "add_source_membership"), .ipSourceMembership(ssm))
        try api.setopt(s, .init(.ip, "drop_source_membership"), .ipSourceMembership(ssm))
        // Left: Linux refuses leaving again with einval (OTP 25 gets the same).
        #expect(throws: SocketError.errno(.einval)) {
            try api.setopt(s, .init(.ip, "drop_source_membership"), .ipSourceMembership(ssm))
        }
    }

    @Test("IPv6: hops with default, v6only, join and leave a group",
          .enabled(if: IPv6Loopback.available, IPv6Loopback.reason), arguments: TestBackends.all)
    func ipv6(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let s = try api.open(.inet6, .dgram, .udp)
        defer { try? api.close(s) }
        let hops = SocketOption(.ipv6, "unicast_hops")
        let initial = try api.getopt(s, hops)
        try api.setopt(s, hops, .int(5))
        #expect(try api.getopt(s, hops) == .int(5))
        try api.setopt(s, hops, .default)
        #expect(try api.getopt(s, hops) == initial)
        try api.setopt(s, .init(.ipv6, "multicast_hops"), .int(7))
        #expect(try api.getopt(s, .init(.ipv6, "multicast_hops")) == .int(7))
        let v6only = SocketOption(.ipv6, "v6only")
        try api.setopt(s, v6only, .bool(true))
        #expect(try api.getopt(s, v6only) == .bool(true))

        let lo = UInt32(if_nametoindex("lo"))
        try #require(lo != 0)
        let group = IPv6Membership(multiaddr: try #require(IPv6Address("ff02::fb")), interface: lo)
        try api.setopt(s, .init(.ipv6, "join_group"), .ipv6Membership(group))
        #expect(throws: SocketError.errno(Errno(rawValue: EADDRINUSE))) {
            try api.setopt(s, .init(.ipv6, "add_membership"), .ipv6Membership(group))
        }
        try api.setopt(s, .init(.ipv6, "leave_group"), .ipv6Membership(group))
        #expect(throws: SocketError.errno(Errno(rawValue: EADDRNOTAVAIL))) {
            try api.setopt(s, .init(.ipv6, "drop_membership"), .ipv6Membership(group))
        }
        // addrform takes only inet, and the kernel wants a connected v4-mapped socket for it.
        #expect(throws: SocketError.self) { try api.setopt(s, .init(.ipv6, "addrform"), .domain(.inet)) }
    }

    @Test("ip.pktoptions reads the control messages a TCP socket asked for", arguments: TestBackends.all)
    func pktoptions(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { p.close() }
        let pktoptions = SocketOption(.ip, "pktoptions")
        #expect(try api.getopt(p.server, pktoptions) == .controlMessages([]))
        try api.setopt(p.server, .init(.ip, "pktinfo"), .bool(true))
        try api.setopt(p.server, .init(.ip, "recvttl"), .bool(true))
        guard case .controlMessages(let cmsgs) = try api.getopt(p.server, pktoptions) else {
            Issue.record("pktoptions is not control messages")
            return
        }
        let ip = Int32(IPPROTO_IP)
        #expect(cmsgs.map(\.level) == [ip, ip])
        #expect(Set(cmsgs.map(\.type)) == [Int32(IP_PKTINFO), Int32(IP_TTL)])
        // struct in_pktinfo: ipi_ifindex, ipi_spec_dst, ipi_addr; the kernel fills both with 127.0.0.1.
        let info = try #require(cmsgs.first { $0.type == Int32(IP_PKTINFO) })
        #expect(info.data.count == MemoryLayout<in_pktinfo>.size)
        #expect(Array(info.data[4..<8]) == [127, 0, 0, 1])
        // pktoptions is for stream sockets; the kernel refuses it on UDP.
        let u = try api.open(.inet, .dgram, .udp)
        defer { try? api.close(u) }
        #expect(throws: SocketError.errno(.enoprotoopt)) { try api.getopt(u, pktoptions) }
    }

    @Test("otp level: rcvbuf forms, control buffers, debug, iow, meta, fd", arguments: TestBackends.all)
    func otpLevel(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let s = try api.open(.inet, .dgram, .udp)
        defer { try? api.close(s) }
        let rcvbuf = SocketOption(.otp, "rcvbuf")
        try api.setopt(s, rcvbuf, .pair(2, 1024))
        #expect(try api.getopt(s, rcvbuf) == .pair(2, 1024))
        try api.setopt(s, rcvbuf, .int(4096))
        #expect(try api.getopt(s, rcvbuf) == .int(4096))
        try api.setopt(s, rcvbuf, .default)
        #expect(try api.getopt(s, rcvbuf) == .int(8192))
        for name in ["rcvctrlbuf", "sndctrlbuf"] {
            try api.setopt(s, .init(.otp, name), .int(2048))
            #expect(try api.getopt(s, .init(.otp, name)) == .int(2048))
            try api.setopt(s, .init(.otp, name), .default)
            #expect(try api.getopt(s, .init(.otp, name)) == .int(1024))
        }
        for name in ["debug", "iow"] {
            #expect(try api.getopt(s, .init(.otp, name)) == .bool(false))
            try api.setopt(s, .init(.otp, name), .bool(true))
            #expect(try api.getopt(s, .init(.otp, name)) == .bool(true))
        }
        try api.setopt(s, .init(.otp, "meta"), .string("worker 7"))
        #expect(try api.getopt(s, .init(.otp, "meta")) == .string("worker 7"))
        #expect(try api.getopt(s, .init(.otp, "fd")) == .int(Int(s.fileDescriptor)))
        #expect(try api.getopt(s, .init(.otp, "domain")) == .domain(.inet))
        #expect(try api.getopt(s, .init(.socket, "type")) == .type(.dgram))
        #expect(try api.getopt(s, .init(.socket, "protocol")) == .protocol(.udp))
    }

    @Test("{otp, rcvbuf} is the read size of recv(length: 0)", arguments: TestBackends.all)
    func rcvbufSizesReads(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { p.close() }
        try api.setopt(p.server, .init(.otp, "rcvbuf"), .int(4))
        try await api.send(p.client, Array(0..<10), timeout: .seconds(5))
        var got: [UInt8] = []
        for _ in 0..<10 where got.count < 10 {
            let d = try await api.recv(p.server, length: 0, timeout: .seconds(5))
            #expect(d.count <= 4)
            got += d
        }
        #expect(got == Array(0..<10))
    }
}
