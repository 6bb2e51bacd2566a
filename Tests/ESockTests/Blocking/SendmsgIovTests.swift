import Testing
@testable import ESock

/// OTP socket_api_SUITE api_b_sendmsg_iov_{dgram,stream}_{inet,inet6,local}: one sendmsg
/// with as many buffers as the system takes (`iov_max`), received whole on the other side.
@Suite struct SendmsgIovTests {
    /// `count` four-byte buffers, each holding its index (big-endian), as OTP's case builds.
    static func buffers(_ count: Int) -> [[UInt8]] {
        (1...count).map { (i: Int) -> [UInt8] in
            let v = UInt32(i)
            return [UInt8(truncatingIfNeeded: v >> 24), UInt8(truncatingIfNeeded: v >> 16),
                    UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)]
        }
    }

    /// Two bound datagram sockets of `domain` (abstract names for local).
    static func datagramPair(_ api: any SocketAPI, _ domain: Domain) throws -> (Socket, Socket, SocketAddress) {
        let a = try api.open(domain, .dgram)
        let b = try api.open(domain, .dgram)
        for s in [a, b] {
            if domain == .local {
                try api.bind(s, .abstract(name: Array("esock-iov-\(UInt64.random(in: 0...UInt64.max))".utf8)))
            } else {
                try api.bind(s, .loopback)
            }
        }
        return (a, b, try api.sockname(b))
    }

    @Test(arguments: TestBackends.all, Domain.allCases)
    func datagram(backend: Backend, domain: Domain) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let (a, b, addressB) = try Self.datagramPair(api, domain)
        defer { for s in [a, b] { try? api.close(s) } }
        let max = api.info().iovMax
        #expect(max >= 16)
        let iov = Self.buffers(max)
        try await api.sendmsg(a, OutgoingMessage(address: addressB, iov: iov), timeout: .seconds(5))
        let m = try await api.recvmsg(b, bufferSizes: [0], timeout: .seconds(5))
        #expect(m.iov.count == 1)
        #expect(m.data == iov.flatMap { $0 })
        #expect(m.address == (try api.sockname(a)))
        #expect(api.info(a).counters.writePkg == 1 && api.info(a).counters.writeByte == 4 * max)

        // One buffer more than one datagram takes is refused before the kernel, and nothing
        // is sent (OTP 25 refuses it too: {invalid, {iov, {list, N}}}).
        await #expect(throws: SocketError.invalid(.argument("\(max + 1) buffers: a dgram message takes at most iov_max (\(max))"))) {
            try await api.sendmsg(a, OutgoingMessage(address: addressB, iov: Self.buffers(max + 1)), timeout: .seconds(5))
        }
        try await api.sendmsg(a, OutgoingMessage(address: addressB, iov: [[1], [2, 3]]), timeout: .seconds(5))
        #expect(try await api.recvmsg(b, timeout: .seconds(5)).data == [1, 2, 3], "the refused message never went out")
    }

    @Test(arguments: TestBackends.all, Domain.allCases)
    func stream(backend: Backend, domain: Domain) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api, domain: domain)
        defer { p.close() }
        let max = api.info().iovMax
        let iov = Self.buffers(max)
        let expected = iov.flatMap { $0 }
        try await api.sendmsg(p.client, OutgoingMessage(iov: iov), timeout: .seconds(5))
        var got: [UInt8] = []
        var reads = 0
        while got.count < expected.count && reads < 1000 {
            reads += 1
            got += try await api.recvmsg(p.server, bufferSizes: [0], timeout: .seconds(5)).data
        }
        #expect(got == expected)
        #expect(api.info(p.client).counters.writeByte == expected.count)

        // A stream takes more: iov_max per kernel call, then the rest (OTP 25 refuses).
        let more = Self.buffers(max + 1).flatMap { $0 }
        try await api.sendmsg(p.client, OutgoingMessage(iov: Self.buffers(max + 1)), timeout: .seconds(5))
        try await api.sendmsg(p.client, OutgoingMessage(iov: [[7], [8, 9]]), timeout: .seconds(5))
        var tail: [UInt8] = []
        while tail.count < more.count + 3 {
            tail += try await api.recv(p.server, length: 0, timeout: .seconds(5))
        }
        #expect(tail == more + [7, 8, 9], "every byte once, in order")
    }
}
