import Testing
@testable import ESock

/// `sendv` and `iov_max` (OTP's sendv/2,3 with the rest of the vector, and the api_b_sendv
/// and sendmsg_iov cases): more buffers than one kernel call takes still go out on a stream,
/// in order; a datagram with too many is a typed error; the nowait form hands back the rest.
@Suite struct SendvTests {
    /// `count` buffers of 1 to 7 bytes, numbered through the pattern.
    static func vector(_ count: Int) -> (iov: [[UInt8]], bytes: [UInt8]) {
        var iov: [[UInt8]] = []
        var off = 0
        for i in 0..<count {
            let n = 1 + i % 7
            iov.append(patternBytes(off, n))
            off += n
        }
        return (iov, iov.flatMap { $0 })
    }

    static func receive(_ api: any SocketAPI, _ s: Socket, _ count: Int) async throws -> [UInt8] {
        var got: [UInt8] = []
        while got.count < count { got += try await api.recv(s, length: 0, timeout: .seconds(10)) }
        return got
    }

    @Test(arguments: TestBackends.all)
    func moreBuffersThanIovMaxOnAStream(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { p.close() }
        let max = api.info().iovMax
        let v = Self.vector(max * 2 + 77)
        async let got = Self.receive(api, p.server, v.bytes.count)
        try await api.sendv(p.client, v.iov, timeout: .seconds(10))
        #expect(try await got == v.bytes)
        // sendmsg too (OTP's sendmsg_iov cases).
        async let again = Self.receive(api, p.server, v.bytes.count)
        try await api.sendmsg(p.client, OutgoingMessage(iov: v.iov), timeout: .seconds(10))
        #expect(try await again == v.bytes)
    }

    @Test(arguments: TestBackends.all)
    func aDatagramTakesAtMostIovMax(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let d = try DatagramPair.make(api)
        defer { d.close() }
        let max = api.info().iovMax
        let tooMany = OutgoingMessage(address: d.addressB, iov: Array(repeating: [1], count: max + 1))
        await #expect(throws: SocketError.invalid(.argument("\(max + 1) buffers: a dgram message takes at most iov_max (\(max))"))) {
            try await api.sendmsg(d.a, tooMany, timeout: .seconds(1))
        }
        #expect(throws: SocketError.self) { _ = try api.sendmsg(d.a, tooMany, nowait: Mailbox()) }
        // Exactly iov_max is one datagram.
        try await api.sendmsg(d.a, OutgoingMessage(address: d.addressB, iov: Array(repeating: [2], count: max)), timeout: .seconds(1))
        let got = try await api.recvfrom(d.b, length: 0, timeout: .seconds(5))
        #expect(got.data == Array(repeating: 2, count: max))
    }

    /// The nowait form: `.ok(rest)` past iov_max, the rest of a partial write with select
    /// (poll), the completion of the first iov_max buffers (uring); sending what comes back
    /// delivers every byte once, in order.
    @Test(arguments: TestBackends.all)
    func nowaitHandsBackTheRest(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { p.close() }
        try shrinkBuffers(api, sender: p.client, receiver: p.server)
        let max = api.info().iovMax
        let big = (0..<(max + 300)).map { patternBytes($0 * 997, 997) }
        let bytes = big.flatMap { $0 }
        let receiving = Task { try await Self.receive(api, p.server, bytes.count) }
        let mb = Mailbox()
        var rest = big
        var sawOkRest = false, sawPartial = false
        var rounds = 0
        while !rest.isEmpty && rounds < 100_000 {
            rounds += 1
            switch try api.sendv(p.client, rest, nowait: mb) {
            case .ok(let left):
                if !left.isEmpty { sawOkRest = true }
                #expect(left.count <= Swift.max(rest.count - max, 0))
                rest = left
            case .select(let info, let left):
                #expect(backend == .poll)
                _ = try #require(await message(mb, p.client, info.handle))
                if let left { sawPartial = true; rest = left }
            case .completion(let info, let left):
                #expect(backend == .uring)
                let m = try #require(await message(mb, p.client, info.handle))
                guard case .sent(let n)? = m.status else { Issue.record("\(m)"); return }
                // The kernel finished the first iov_max buffers (less what the direct try
                // wrote before the call returned).
                #expect(n > 0 && n <= rest.prefix(max).reduce(0) { $0 + $1.count })
                rest = left ?? []
            }
        }
        #expect(rest.isEmpty)
        #expect(try await receiving.value == bytes)
        if backend == .poll { #expect(sawPartial || sawOkRest, "a 1 MB vector into 16 KB buffers never went out in part") }
    }

    @Test func restOfAVector() {
        let iov: [[UInt8]] = [[1, 2], [3], [4, 5, 6]]
        #expect(OutgoingMessage.rest(of: iov, after: 0) == iov)
        #expect(OutgoingMessage.rest(of: iov, after: 1) == [[2], [3], [4, 5, 6]])
        #expect(OutgoingMessage.rest(of: iov, after: 3) == [[4, 5, 6]])
        #expect(OutgoingMessage.rest(of: iov, after: 5) == [[6]])
        #expect(OutgoingMessage.rest(of: iov, after: 6).isEmpty)
    }
}
