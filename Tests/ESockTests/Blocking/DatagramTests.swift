import Testing
@testable import ESock

extension BlockingTests {
    /// sendto and recvfrom on UDP over IPv4 and IPv6 and on Unix datagram sockets: payloads,
    /// order, sources, and the zero-length datagram.
    @Suite("Datagrams: UDP sendto and recvfrom")
    struct Datagrams {
        /// Sizes from one byte to more than a loopback MTU's worth of fragments.
        static let sizes = [1, 7, 100, 1400, 9000, 30000]

        static func run(_ api: any SocketAPI, _ domain: Domain) async throws {
            let (a, b) = try BlockingFixtures.udpPair(api, domain)
            defer { try? api.close(a); try? api.close(b) }
            let aAddr = try api.sockname(a)
            let bAddr = try api.sockname(b)
            #expect(aAddr.domain == domain && bAddr.domain == domain)
            #expect(aAddr != bAddr)

            // Several datagrams a -> b: each arrives whole, in order, from a.
            let payloads = sizes.enumerated().map { BlockingFixtures.pattern($1, seed: UInt8($0)) }
            for p in payloads { try await api.sendto(a, p, to: bAddr, timeout: BlockingFixtures.patience) }
            for p in payloads {
                let d = try await api.recvfrom(b, length: 0, timeout: BlockingFixtures.patience)
                #expect(d.data.count == p.count)
                #expect(d.data == p)
                #expect(d.source == aAddr)
            }

            // The other way, with the receive waiting before the datagram is sent.
            async let waiting = api.recvfrom(a, length: 0, timeout: BlockingFixtures.patience)
            try await Task.sleep(for: .milliseconds(20))
            try await api.sendto(b, [9, 8, 7], to: aAddr, timeout: BlockingFixtures.patience)
            let back = try await waiting
            #expect(back.data == [9, 8, 7])
            #expect(back.source == bAddr)

            // A zero-length datagram is a datagram: it arrives, empty, with its source.
            try await api.sendto(b, [], to: aAddr, timeout: BlockingFixtures.patience)
            let empty = try await api.recvfrom(a, length: 0, timeout: BlockingFixtures.patience)
            #expect(empty.data.isEmpty)
            #expect(empty.source == bAddr)
            // ... and does not swallow the next one.
            try await api.sendto(b, [42], to: aAddr, timeout: BlockingFixtures.patience)
            let next = try await api.recvfrom(a, length: 0, timeout: BlockingFixtures.patience)
            #expect(next.data == [42])

            // recvfrom with a length smaller than the datagram takes its head; the rest is gone.
            try await api.sendto(a, BlockingFixtures.pattern(50), to: bAddr, timeout: BlockingFixtures.patience)
            try await api.sendto(a, [1], to: bAddr, timeout: BlockingFixtures.patience)
            let head = try await api.recvfrom(b, length: 10, timeout: BlockingFixtures.patience)
            #expect(head.data == Array(BlockingFixtures.pattern(50).prefix(10)))
            let after = try await api.recvfrom(b, length: 10, timeout: BlockingFixtures.patience)
            #expect(after.data == [1])

            // Nothing left: a short wait times out.
            let r = await BlockingFixtures.timed { () async throws(SocketError) in
                try await api.recvfrom(b, length: 0, timeout: .milliseconds(50))
            }
            #expect(BlockingFixtures.failure(r.result) == .timeout)
        }

        @Test(arguments: TestBackends.all)
        func udpIPv4(_ backend: Backend) async throws {
            try await Self.run(try TestBackends.apiOrCancel(backend), .inet)
        }

        @Test(arguments: TestBackends.all)
        func udpIPv6(_ backend: Backend) async throws {
            try await Self.run(try TestBackends.apiOrCancel(backend), .inet6)
        }

        /// Unix datagram sockets bound to abstract names (OTP's api_b_sendto_and_recvfrom_udpL).
        @Test(arguments: TestBackends.all)
        func unixDatagram(_ backend: Backend) async throws {
            try await Self.run(try TestBackends.apiOrCancel(backend), .local)
        }

        /// recv (without a source) on a datagram socket keeps datagram boundaries too.
        @Test(arguments: TestBackends.all)
        func recvKeepsBoundaries(_ backend: Backend) async throws {
            let api = try TestBackends.apiOrCancel(backend)
            let (a, b) = try BlockingFixtures.udpPair(api, .inet)
            defer { try? api.close(a); try? api.close(b) }
            let bAddr = try api.sockname(b)
            try await api.sendto(a, [1, 2, 3], to: bAddr, timeout: BlockingFixtures.patience)
            try await api.sendto(a, [4, 5], to: bAddr, timeout: BlockingFixtures.patience)
            #expect(try await api.recv(b, length: 0, timeout: BlockingFixtures.patience) == [1, 2, 3])
            #expect(try await api.recv(b, length: 0, timeout: BlockingFixtures.patience) == [4, 5])
        }
    }
}
