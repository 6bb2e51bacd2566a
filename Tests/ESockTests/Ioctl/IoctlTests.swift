import Testing
@testable import ESock
#if canImport(Glibc)
import Glibc
#endif

/// `ioctl` (OTP's `socket:ioctl/2,3,4`): queue sizes of connected sockets, TCP info, and the
/// interface requests against loopback; bad names and kernel refusals as typed errors.
@Suite("Ioctl")
struct IoctlTests {
    @Test("nread, nwrite, nspace, atmark and tcp_info of a TCP pair", arguments: TestBackends.all)
    func queues(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let pair = try await StreamPair.make(api)
        defer { pair.close() }
        #expect(try api.ioctl(pair.server, .nread) == 0)
        let payload = [UInt8](repeating: 7, count: 1234)
        try await api.send(pair.client, payload, flags: [], timeout: .seconds(10))
        // Loopback delivers at once, but the receiver's queue is filled by softirq: wait for it.
        var waiting = 0
        for _ in 0..<200 {
            waiting = try api.ioctl(pair.server, .nread)
            if waiting == payload.count { break }
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(waiting == payload.count)
        #expect(try api.ioctl(pair.server, .atmark) == false)
        let queued = try api.ioctl(pair.client, .nwrite)
        let unsent = try api.ioctl(pair.client, .nspace)
        #expect((0...payload.count).contains(queued))
        #expect((0...queued).contains(unsent))
        let info = try api.ioctl(pair.client, .tcpInfo)
        #expect(info.state == .established)
        #expect(info.mss > 0)
        #expect(info.rcvBuf > 0)
        #expect(info.bytesAcked.map { $0 <= UInt64(payload.count) + 1 } ?? true)
        let got = try await api.recv(pair.server, length: payload.count, flags: [], timeout: .seconds(10))
        #expect(got == payload)
        #expect(try api.ioctl(pair.server, .nread) == 0)
        #expect(try api.ioctl(pair.listener, .tcpInfo).state == .listen)
    }

    @Test("nread of a datagram socket is the next datagram's size; tcp_info is refused", arguments: TestBackends.all)
    func datagram(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let a = try api.open(.inet, .dgram, .udp)
        let b = try api.open(.inet, .dgram, .udp)
        defer { try? api.close(a); try? api.close(b) }
        try api.bind(b, .loopback)
        try await api.sendto(a, [1, 2, 3, 4, 5], to: try api.sockname(b), flags: [], timeout: .seconds(10))
        _ = try await api.recvfrom(b, length: 0, flags: .peek, timeout: .seconds(10))
        #expect(try api.ioctl(b, .nread) == 5)
        #expect(throws: SocketError.self) { _ = try api.ioctl(b, .tcpInfo) }
    }

    @Test("loopback: index, name, flags, mtu, addresses, hardware address, gifconf", arguments: TestBackends.all)
    func loopback(backend: Backend) throws {
        guard let api = try TestBackends.api(backend) else { return }
        let s = try api.open(.inet, .dgram, .udp)
        defer { try? api.close(s) }
        #expect(try api.ioctl(s, .gifindex("lo")) == 1)
        #expect(try api.ioctl(s, .gifname(1)) == "lo")
        let flags = try api.ioctl(s, .gifflags("lo"))
        #expect(flags.isSuperset(of: [.up, .loopback, .running]))
        #expect(flags.names.starts(with: ["up"]))
        #expect(try api.ioctl(s, .gifmtu("lo")) == 65536)
        #expect(try api.ioctl(s, .giftxqlen("lo")) >= 0)
        #expect(try api.ioctl(s, .gifaddr("lo")) == .inet(.loopback, port: 0))
        #expect(try api.ioctl(s, .gifnetmask("lo")) == .inet(IPv4Address(255, 0, 0, 0), port: 0))
        _ = try? api.ioctl(s, .gifdstaddr("lo"))
        _ = try? api.ioctl(s, .gifbrdaddr("lo"))
        let hw = try api.ioctl(s, .gifhwaddr("lo"))
        #expect(hw.type == HardwareAddress.loopback)
        #expect(hw.mac == [0, 0, 0, 0, 0, 0])
        let list = try api.ioctl(s, .gifconf)
        #expect(list.contains(InterfaceAddress(name: "lo", address: .inet(.loopback, port: 0))))
    }

    @Test("bad names and indexes are invalid, unknown ones enodev; sets fail typed", arguments: TestBackends.all)
    func errors(backend: Backend) throws {
        guard let api = try TestBackends.api(backend) else { return }
        let s = try api.open(.inet, .dgram, .udp)
        for bad in ["", String(repeating: "x", count: 16), "l\u{0}o"] {
            #expect(throws: SocketError.self) { _ = try api.ioctl(s, .gifindex(bad)) }
            #expect(throws: SocketError.self) { try api.ioctl(s, .sifmtu(bad, 1500)) }
        }
        do {
            _ = try api.ioctl(s, .gifaddr(""))
            Issue.record("an empty name was taken")
        } catch {
            guard case .invalid(.argument) = error else { Issue.record("an empty name gave \(error)"); return }
        }
        #expect(throws: SocketError.invalid(.argument("an interface index is 1...2147483647, got 0"))) {
            _ = try api.ioctl(s, .gifname(0))
        }
        #expect(throws: SocketError.errno(.enodev)) { _ = try api.ioctl(s, .gifindex("esocknoif0")) }
        #expect(throws: SocketError.errno(.enodev)) { _ = try api.ioctl(s, .gifflags("esocknoif0")) }
        #expect(throws: SocketError.errno(.enodev)) { _ = try api.ioctl(s, .gifname(Int(Int32.max))) }
        // Sets on an interface nobody has: refused before anything changes. The kernel says
        // enodev where the caller may set (root); without CAP_NET_ADMIN (a container) it
        // refuses first with eperm.
        let refused: Set<SocketError> = [.errno(.enodev), .errno(.eperm)]
        #expect(refused.contains(Self.failure { try api.ioctl(s, .sifmtu("esocknoif0", 1500)) }))
        #expect(refused.contains(Self.failure { try api.ioctl(s, .sifflags("esocknoif0", [.up])) }))
        #expect(refused.contains(Self.failure { try api.ioctl(s, .siftxqlen("esocknoif0", 10)) }))
        #expect(refused.contains(Self.failure {
            try api.ioctl(s, .sifaddr("esocknoif0", .inet(IPv4Address(10, 9, 8, 7), port: 0)))
        }))
        #expect(throws: SocketError.self) { try api.ioctl(s, .sifaddr("lo", .inet6(.loopback, port: 0))) }
        #expect(throws: SocketError.self) { try api.ioctl(s, .sifmtu("lo", -1)) }
        try api.close(s)
        #expect(throws: SocketError.closed) { _ = try api.ioctl(s, .nread) }
    }

    /// The error `body` throws; `.invalid(.state)` (never expected here) when it succeeds.
    static func failure(_ body: () throws -> Void) -> SocketError {
        do {
            try body()
            return .invalid(.state)
        } catch let e as SocketError {
            return e
        } catch {
            return .invalid(.state)
        }
    }
}

/// `supports(ioctl_requests)`: every request ESock makes is listed as supported.
@Suite("Ioctl support")
struct IoctlSupportTests {
    @Test("every request but sifhwaddr is supported, in OTP's names")
    func listed() {
        let all = supportedIoctlRequests()
        #expect(all.count == IoctlRequestKind.allCases.count)
        #expect(all.filter { !$0.supported }.map(\.request) == [.sifhwaddr])
        #expect(IoctlRequestKind(rawValue: "tcp_info") == .tcpInfo)
        #expect(isSupported(IoctlRequestKind.gifflags))
    }
}
