import Testing
@testable import ESock
#if canImport(Glibc)
import Glibc
#endif

/// Control messages as values: what the kernel hands recvmsg decodes to
/// ``ControlMessageValue``, values encode to what sendmsg passes, on real loopback traffic.
@Suite("Control message values")
struct ControlMessageValueTests {
    static let patience: Timeout = .seconds(10)

    /// A UDP socket bound to loopback with `options` on, and a sender.
    static func udp(_ api: any SocketAPI, _ domain: Domain = .inet,
                    options: [SocketOption]) throws -> (receiver: Socket, sender: Socket, to: SocketAddress) {
        let r = try api.open(domain, .dgram, .udp)
        let s = try api.open(domain, .dgram, .udp)
        for o in options { try api.setopt(r, o, .bool(true)) }
        try api.bind(r, .loopback)
        return (r, s, try api.sockname(r))
    }

    static func values(_ m: ReceivedMessage) -> [ControlMessageValue] { m.control.compactMap(\.value) }

    @Test("IPv4: pktinfo, tos, ttl and timestamp of a received datagram", arguments: TestBackends.all)
    func ipv4(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let (r, s, to) = try Self.udp(api, options: [.init(.ip, "pktinfo"), .init(.ip, "recvtos"),
                                                     .init(.ip, "recvttl"), .init(.socket, "timestamp")])
        defer { try? api.close(r); try? api.close(s) }
        try await api.sendto(s, [1, 2, 3], to: to, flags: [], timeout: Self.patience)
        let m = try await api.recvmsg(r, bufferSizes: [64], controlSize: 256, timeout: Self.patience)
        #expect(m.data == [1, 2, 3])
        let v = Self.values(m)
        #expect(v.count == m.control.count, "every control message decodes: \(m.control)")
        #expect(v.contains(.ipPacketInfo(IPv4PacketInfo(interfaceIndex: 1, specificDestination: .loopback, address: .loopback))))
        #expect(v.contains(.ttl(64)))
        #expect(v.contains(.tos(0)))
        let stamp = v.compactMap { if case .timestamp(let s, let us) = $0 { return (s, us) } else { return nil } }.first
        let now = Int(time(nil))
        #expect(stamp.map { abs($0.0 - now) < 60 && (0..<1_000_000).contains($0.1) } == true, "timestamp \(String(describing: stamp))")
    }

    @Test("IPv4: a datagram sent with tos and ttl control messages arrives with them", arguments: TestBackends.all)
    func ipv4Send(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let (r, s, to) = try Self.udp(api, options: [.init(.ip, "recvtos"), .init(.ip, "recvttl")])
        defer { try? api.close(r); try? api.close(s) }
        let out = OutgoingMessage(address: to, iov: [[9]], control: [ControlMessage(.tos(0x10)), ControlMessage(.ttl(7))])
        try await api.sendmsg(s, out, timeout: Self.patience)
        let m = try await api.recvmsg(r, bufferSizes: [64], controlSize: 256, timeout: Self.patience)
        #expect(Self.values(m).contains(.tos(0x10)))
        #expect(Self.values(m).contains(.ttl(7)))
        // pktinfo on send picks the source address (spec_dst) and interface (0: any).
        let info = ControlMessage(.ipPacketInfo(IPv4PacketInfo(interfaceIndex: 0, specificDestination: .loopback,
                                                               address: .any)))
        try await api.sendmsg(s, OutgoingMessage(address: to, iov: [[8]], control: [info]), timeout: Self.patience)
        let d = try await api.recvmsg(r, bufferSizes: [64], controlSize: 256, timeout: Self.patience)
        #expect(d.data == [8])
        #expect(d.address.map { if case .inet(let a, _) = $0 { return a == .loopback } else { return false } } == true)
    }

    @Test("IPv6: pktinfo, hoplimit and tclass on ::1, sent and received", arguments: TestBackends.all)
    func ipv6(backend: Backend) async throws {
        guard IPv6Loopback.available else { return }
        guard let api = try TestBackends.api(backend) else { return }
        let (r, s, to) = try Self.udp(api, .inet6, options: [.init(.ipv6, "recvpktinfo"), .init(.ipv6, "recvhoplimit"),
                                                              .init(.ipv6, "recvtclass")])
        defer { try? api.close(r); try? api.close(s) }
        try await api.sendto(s, [1], to: to, flags: [], timeout: Self.patience)
        let m = try await api.recvmsg(r, bufferSizes: [64], controlSize: 256, timeout: Self.patience)
        let v = Self.values(m)
        #expect(v.count == m.control.count, "every control message decodes: \(m.control)")
        #expect(v.contains(.ipv6PacketInfo(IPv6PacketInfo(address: .loopback, interfaceIndex: 1))))
        #expect(v.contains(.hopLimit(64)))
        #expect(v.contains(.trafficClass(0)))
        let out = OutgoingMessage(address: to, iov: [[2]], control: [ControlMessage(.hopLimit(5)), ControlMessage(.trafficClass(0x20)),
                                                                      ControlMessage(.ipv6PacketInfo(IPv6PacketInfo(address: .loopback, interfaceIndex: 0)))])
        try await api.sendmsg(s, out, timeout: Self.patience)
        let again = Self.values(try await api.recvmsg(r, bufferSizes: [64], controlSize: 256, timeout: Self.patience))
        #expect(again.contains(.hopLimit(5)))
        #expect(again.contains(.trafficClass(0x20)))
    }

    @Test("credentials over a Unix datagram pair with passcred, sent and implicit", arguments: TestBackends.all)
    func credentials(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let r = try api.open(.local, .dgram, .default)
        let s = try api.open(.local, .dgram, .default)
        defer { try? api.close(r); try? api.close(s) }
        try api.setopt(r, .init(.socket, "passcred"), .bool(true))
        let name = SocketAddress.abstract(name: Array("esock-cred-\(UInt64.random(in: 0...UInt64.max))".utf8))
        try api.bind(r, name)
        let me = ControlMessageValue.credentials(pid: getpid(), uid: getuid(), gid: getgid())
        try await api.sendto(s, [1], to: name, flags: [], timeout: Self.patience)
        #expect(Self.values(try await api.recvmsg(r, bufferSizes: [16], controlSize: 64, timeout: Self.patience)) == [me])
        try await api.sendmsg(s, OutgoingMessage(address: name, iov: [[2]], control: [ControlMessage(me)]), timeout: Self.patience)
        #expect(Self.values(try await api.recvmsg(r, bufferSizes: [16], controlSize: 64, timeout: Self.patience)) == [me])
    }

    @Test("rights: an encoded descriptor arrives and decodes to a working descriptor", arguments: TestBackends.all)
    func rights(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api, domain: .local)
        defer { p.close() }
        let passed = open("/dev/null", O_RDONLY | O_CLOEXEC)
        try #require(passed >= 0)
        defer { close(passed) }
        try await api.sendmsg(p.client, OutgoingMessage(iov: [[1]], control: [ControlMessage(.rights([passed]))]),
                              timeout: Self.patience)
        let m = try await api.recvmsg(p.server, bufferSizes: [16], controlSize: 64, timeout: Self.patience)
        guard case .rights(let fds)? = m.control.first?.value, fds.count == 1 else {
            Issue.record("no rights in \(m.control)")
            return
        }
        var a = stat(), b = stat()
        #expect(fstat(fds[0], &a) == 0 && fstat(passed, &b) == 0 && a.st_ino == b.st_ino)
        close(fds[0])
    }

    @Test("recverr: a datagram to a closed port leaves econnrefused in the error queue", arguments: TestBackends.all)
    func recverr(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        // A port nobody listens on: bind one, note it, close it.
        let probe = try api.open(.inet, .dgram, .udp)
        try api.bind(probe, .loopback)
        let closed = try api.sockname(probe)
        try api.close(probe)
        let s = try api.open(.inet, .dgram, .udp)
        defer { try? api.close(s) }
        try api.setopt(s, .init(.ip, "recverr"), .bool(true))
        try await api.sendto(s, [1, 2, 3], to: closed, flags: [], timeout: Self.patience)
        let m = try await api.recvmsg(s, bufferSizes: [64], controlSize: 256, flags: .errqueue, timeout: Self.patience)
        #expect(m.flags & Int32(MSG_ERRQUEUE) != 0)
        guard case .ipRecvErr(let e)? = m.control.compactMap(\.value).first else {
            Issue.record("no recverr in \(m.control)")
            return
        }
        #expect(e.error == .econnrefused)
        #expect(e.originName == "icmp")
        #expect(e.type == 3 && e.code == 3, "ICMP port unreachable")
        #expect(e.offender == .inet(.loopback, port: 0))
    }

    @Test("recverr on IPv6: a datagram to a closed port on ::1 leaves econnrefused",
          .enabled(if: IPv6Loopback.available, IPv6Loopback.reason), arguments: TestBackends.all)
    func recverrIPv6(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let probe = try api.open(.inet6, .dgram, .udp)
        try api.bind(probe, .loopback)
        let closed = try api.sockname(probe)
        try api.close(probe)
        let s = try api.open(.inet6, .dgram, .udp)
        defer { try? api.close(s) }
        try api.setopt(s, .init(.ipv6, "recverr"), .bool(true))
        #expect(try api.getopt(s, .init(.ipv6, "recverr")) == .bool(true))
        try await api.sendto(s, [1, 2, 3], to: closed, flags: [], timeout: Self.patience)
        let m = try await api.recvmsg(s, bufferSizes: [64], controlSize: 256, flags: .errqueue, timeout: Self.patience)
        guard case .ipv6RecvErr(let e)? = m.control.compactMap(\.value).first else {
            Issue.record("no ipv6 recverr in \(m.control)")
            return
        }
        #expect(e.error == .econnrefused)
        #expect(e.type == 1 && e.code == 4, "ICMPv6 port unreachable")
    }

    /// OTP's api_opt_ip_recvorigdstaddr_udp4: with recvorigdstaddr on, a received datagram
    /// carries the address it was sent to (a sockaddr_in, kept as raw bytes by ESock).
    @Test("recvorigdstaddr: the datagram's original destination", arguments: TestBackends.all)
    func recvorigdstaddr(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let (r, s, to) = try Self.udp(api, options: [.init(.ip, "recvorigdstaddr")])
        defer { try? api.close(r); try? api.close(s) }
        #expect(try api.getopt(r, .init(.ip, "recvorigdstaddr")) == .bool(true))
        try await api.sendto(s, [7], to: to, flags: [], timeout: Self.patience)
        let m = try await api.recvmsg(r, bufferSizes: [16], controlSize: 256, flags: [], timeout: Self.patience)
        #expect(m.data == [7])
        let cmsg = try #require(m.control.first { $0.level == Int32(IPPROTO_IP) && $0.type == Int32(IP_ORIGDSTADDR) },
                                "no IP_ORIGDSTADDR in \(m.control)")
        try #require(cmsg.data.count >= 8)
        guard case .inet(let address, let port) = to else { Issue.record("not IPv4: \(to)"); return }
        #expect(UInt16(cmsg.data[2]) << 8 | UInt16(cmsg.data[3]) == port)
        #expect(Array(cmsg.data[4..<8]) == [127, 0, 0, 1] && address == .loopback)
    }

    /// OTP's api_opt_sock_timestamp_tcp4: with socket.timestamp on a TCP socket, recvmsg
    /// carries the time the data arrived.
    @Test("timestamp on a TCP stream", arguments: TestBackends.all)
    func timestampTCP(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { p.close() }
        try api.setopt(p.server, .init(.socket, "timestamp"), .bool(true))
        #expect(try api.getopt(p.server, .init(.socket, "timestamp")) == .bool(true))
        var now = timeval()
        gettimeofday(&now, nil)
        try await api.send(p.client, Array("hejsan".utf8), timeout: Self.patience)
        let m = try await api.recvmsg(p.server, bufferSizes: [6], controlSize: 256, flags: [], timeout: Self.patience)
        #expect(m.data == Array("hejsan".utf8))
        guard case .timestamp(let seconds, let micros)? = Self.values(m).first(where: {
            if case .timestamp = $0 { return true } else { return false }
        }) else {
            Issue.record("no timestamp in \(m.control)")
            return
        }
        #expect(abs(seconds - Int(now.tv_sec)) <= 60, "a timestamp of this minute: \(seconds)")
        #expect((0..<1_000_000).contains(micros))
    }
}
