#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import ESock

/// OTP socket_api_SUITE group `from_fd` (api_ffd_*), on IPv4 and IPv6, with and without
/// `dup`: a socket opened from a descriptor reports the descriptor's kind and states
/// (open_*_and_info), and traffic sent through it is the original socket's
/// (open_and_open_*_and_send, open_connect_and_open_*_and_send).
@Suite struct OpenDescriptorDomainTests {
    struct Kind: Sendable, CustomTestStringConvertible {
        let domain: Domain
        let dup: Bool
        var testDescription: String { "\(domain) \(dup ? "dup" : "no dup")" }
    }
    static let kinds = [Domain.inet, .inet6].flatMap { d in [true, false].map { Kind(domain: d, dup: $0) } }

    /// The descriptor to hand to `open(descriptor:dup:)`: with dup, `socket`'s own; without,
    /// a duplicate ESock then owns (so no descriptor is closed twice).
    static func descriptor(of socket: Socket, _ kind: Kind) -> Int32 {
        kind.dup ? socket.fileDescriptor : Glibc.dup(socket.fileDescriptor)
    }

    /// open_*_and_info_{udp,tcp}{4,6}: a bound socket's descriptor opened again: domain,
    /// type, protocol and the bound state from the kernel, the same address, nothing counted.
    @Test(arguments: TestBackends.all, kinds)
    func info(backend: Backend, kind: Kind) throws {
        guard let api = try TestBackends.api(backend) else { return }
        for type in [SocketType.dgram, .stream] {
            let plain = try api.open(kind.domain, type)
            try api.bind(plain, .loopback)
            let s = try api.open(descriptor: Self.descriptor(of: plain, kind), dup: kind.dup)
            let info = api.info(s)
            #expect(info.domain == kind.domain && info.type == type)
            #expect(info.protocol == (type == .dgram ? .udp : .tcp))
            #expect(info.readStates.contains(.bound))
            #expect(info.counters == SocketCounters())
            #expect(try api.sockname(s) == api.sockname(plain))
            #expect(s.fileDescriptor != plain.fileDescriptor)
            try api.close(s)
            // The original still works after the wrapped one closed (with dup its own
            // descriptor; without, a duplicate was handed over).
            #expect(try api.getopt(plain, .init(.socket, "type")) == .type(type))
            try api.close(plain)
        }
    }

    /// open_and_open_*_and_send_udp{4,6}: a datagram sent through the socket opened from the
    /// first one's descriptor comes from the first one's address.
    @Test(arguments: TestBackends.all, kinds)
    func datagramSend(backend: Backend, kind: Kind) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let d = try DatagramPair.make(api, domain: kind.domain)
        defer { d.close() }
        let s = try api.open(descriptor: Self.descriptor(of: d.a, kind), dup: kind.dup)
        defer { try? api.close(s) }
        try await api.sendto(s, Array("hejsan".utf8), to: d.addressB, timeout: .seconds(5))
        let got = try await api.recvfrom(d.b, timeout: .seconds(5))
        #expect(got.data == Array("hejsan".utf8) && got.source == d.addressA)
        try await api.sendto(d.b, Array("hoppsan".utf8), to: d.addressA, timeout: .seconds(5))
        #expect(try await api.recvfrom(s, timeout: .seconds(5)).data == Array("hoppsan".utf8))
    }

    /// open_connect_and_open_*_and_send_tcp{4,6}: a connected socket's descriptor opened
    /// again is connected, and its traffic is the connection's.
    @Test(arguments: TestBackends.all, kinds)
    func connectedSend(backend: Backend, kind: Kind) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api, domain: kind.domain)
        defer { p.close() }
        let s = try api.open(descriptor: Self.descriptor(of: p.client, kind), dup: kind.dup)
        defer { try? api.close(s) }
        #expect(api.info(s).writeStates.contains(.connected))
        #expect(try api.peername(s) == api.sockname(p.server))
        try await api.send(s, Array("hejsan".utf8), timeout: .seconds(5))
        #expect(try await api.recv(p.server, length: 6, timeout: .seconds(5)) == Array("hejsan".utf8))
        try await api.send(p.server, Array("hoppsan".utf8), timeout: .seconds(5))
        #expect(try await api.recv(s, length: 7, timeout: .seconds(5)) == Array("hoppsan".utf8))
    }
}
