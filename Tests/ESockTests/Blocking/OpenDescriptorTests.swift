import Testing
@testable import ESock
#if canImport(Glibc)
import Glibc
#endif

/// `open(descriptor:)` (OTP's open/1,2 with an FD): the socket's kind and states come from
/// the kernel; with `dup` the caller's descriptor stays its own, without it ESock closes it.
@Suite("Opening an existing descriptor")
struct OpenDescriptorTests {
    @Test("a connected TCP descriptor from outside: kind, states, traffic, dup", arguments: TestBackends.all)
    func connectedStream(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { p.close() }
        // A plain descriptor made outside ESock: a dup of the client's.
        let outside = dup(p.client.fileDescriptor)
        try #require(outside >= 0)
        defer { close(outside) }
        let s = try api.open(descriptor: outside)
        #expect(s.fileDescriptor != outside)
        #expect(s.domain == .inet && s.type == .stream && s.protocol == .tcp)
        let info = api.info(s)
        #expect(info.writeStates.contains(.connected))
        try await api.send(s, Array("from fd".utf8))
        #expect(try await api.recv(p.server, length: 7, timeout: .seconds(10)) == Array("from fd".utf8))
        try await api.send(p.server, [9])
        #expect(try await api.recv(s, length: 1, timeout: .seconds(10)) == [9])
        try api.close(s)
        var st = stat()
        #expect(fstat(outside, &st) == 0, "the caller's descriptor stays open with dup")
    }

    @Test("a listening descriptor without dup: ESock owns and closes it", arguments: TestBackends.all)
    func listenerWithoutDup(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let l = try api.open(.inet, .stream, .tcp)
        try api.bind(l, .loopback)
        try api.listen(l, backlog: 4)
        let address = try api.sockname(l)
        let raw = dup(l.fileDescriptor)
        try api.close(l)
        let s = try api.open(descriptor: raw, dup: false)
        #expect(s.fileDescriptor == raw)
        #expect(api.info(s).readStates.isSuperset(of: [.bound, .listening]))
        let c = try await Socket.connect(to: address, timeout: .seconds(10), backend: backend)
        defer { try? c.close() }
        let a = try await api.accept(s, timeout: .seconds(10))
        try? api.close(a)
        var watch = DescriptorWatch()
        watch.note(s)
        try api.close(s)
        #expect(await eventually { watch.stillOpen == 0 }, "without dup the descriptor is closed with the socket")
    }

    @Test("a datagram descriptor and bad descriptors", arguments: TestBackends.all)
    func datagramsAndErrors(backend: Backend) throws {
        guard let api = try TestBackends.api(backend) else { return }
        let u = socket(AF_INET6, Int32(SOCK_DGRAM.rawValue), 0)
        try #require(u >= 0)
        defer { close(u) }
        let s = try api.open(descriptor: u)
        #expect(s.domain == .inet6 && s.type == .dgram && s.protocol == .udp)
        #expect(!api.info(s).readStates.contains(.bound))
        try api.close(s)
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        #expect(throws: SocketError.errno(.enotsock)) { _ = try api.open(descriptor: fds[0]) }
        #expect(throws: SocketError.self) { _ = try api.open(descriptor: -1) }
        #expect(throws: SocketError.errno(.ebadf)) { _ = try api.open(descriptor: 100_000) }
    }
}
