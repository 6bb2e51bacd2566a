import Testing
@testable import ESock
#if canImport(Glibc)
import Glibc
#endif

extension BlockingTests {
    /// sendmsg gathers several buffers into one stream of bytes or one datagram; recvmsg
    /// scatters what it receives over the buffer sizes asked for.
    @Suite("Messages: sendmsg and recvmsg with several buffers")
    struct Messages {
        /// Three non-empty buffers and an empty one, 20 bytes in all.
        static let iov: [[UInt8]] = [[1, 2, 3], [4, 5, 6, 7, 8, 9, 10], [], [11, 12, 13, 14, 15, 16, 17, 18, 19, 20]]
        static var joined: [UInt8] { iov.flatMap { $0 } }

        /// Checks that `m` holds `data` split over `sizes`: each buffer full before the next.
        static func expectSplit(_ m: ReceivedMessage, of data: [UInt8], over sizes: [Int],
                                sourceLocation: SourceLocation = #_sourceLocation) {
            var rest = data.count
            var expected: [Int] = []
            for s in sizes where rest > 0 {
                expected.append(min(s, rest))
                rest -= min(s, rest)
            }
            #expect(m.iov.map(\.count) == expected, "split \(m.iov.map(\.count)) over \(sizes)",
                    sourceLocation: sourceLocation)
            #expect(m.data == data, sourceLocation: sourceLocation)
        }

        @Test(arguments: TestBackends.all)
        func tcp(_ backend: Backend) async throws {
            let api = try TestBackends.apiOrCancel(backend)
            let p = try await BlockingFixtures.pair(api, .inet)
            defer { p.close() }

            // Gathered on send: the receiver sees the buffers' bytes in order.
            try await api.sendmsg(p.client, OutgoingMessage(iov: Self.iov), timeout: BlockingFixtures.patience)
            #expect(try await api.recv(p.server, length: 20, timeout: BlockingFixtures.patience) == Self.joined)

            // Scattered on receive. A stream recvmsg takes what has arrived (on loopback, the
            // whole send), split over the sizes in order; whatever it left comes next.
            for sizes in [[3, 5, 100], [1, 1, 1, 17], [20], [4, 4]] {
                try await api.sendmsg(p.server, OutgoingMessage(iov: Self.iov), timeout: BlockingFixtures.patience)
                let m = try await api.recvmsg(p.client, bufferSizes: sizes, controlSize: 0,
                                              timeout: BlockingFixtures.patience)
                let n = m.data.count
                #expect(n > 0 && n <= min(20, sizes.reduce(0, +)))
                Self.expectSplit(m, of: Array(Self.joined.prefix(n)), over: sizes)
                #expect(m.address == nil)
                if n < 20 {
                    let rest = try await api.recv(p.client, length: 20 - n, timeout: BlockingFixtures.patience)
                    #expect(rest == Array(Self.joined.dropFirst(n)))
                }
            }

            // A big gathered send arrives whole and in order.
            let big = (0..<5).map { BlockingFixtures.pattern(50_000 + $0, seed: UInt8($0)) }
            async let got = api.recv(p.server, length: big.reduce(0) { $0 + $1.count }, timeout: BlockingFixtures.patience)
            try await api.sendmsg(p.client, OutgoingMessage(iov: big), timeout: BlockingFixtures.patience)
            #expect(try await got == big.flatMap { $0 })
        }

        @Test(arguments: TestBackends.all)
        func udp(_ backend: Backend) async throws {
            let api = try TestBackends.apiOrCancel(backend)
            let (a, b) = try BlockingFixtures.udpPair(api, .inet)
            defer { try? api.close(a); try? api.close(b) }
            let aAddr = try api.sockname(a)
            let bAddr = try api.sockname(b)

            guard case .int(let rcvbuf) = try api.getopt(b, SocketOption(.otp, "rcvbuf")) else {
                Issue.record("{otp, rcvbuf} is not an integer"); return
            }
            // One datagram per sendmsg, whatever the number of buffers; split on receipt.
            for sizes in [[2, 7, 64], [20], [5, 5, 5, 5], [0]] {
                try await api.sendmsg(a, OutgoingMessage(address: bAddr, iov: Self.iov), timeout: BlockingFixtures.patience)
                let m = try await api.recvmsg(b, bufferSizes: sizes, controlSize: 0, timeout: BlockingFixtures.patience)
                // Size 0 means the socket's default buffer size.
                Self.expectSplit(m, of: Self.joined, over: sizes.map { $0 == 0 ? rcvbuf : $0 })
                #expect(m.address == aAddr)
                #expect(m.flags & Int32(MSG_TRUNC) == 0)
            }

            // Buffers too small for the datagram: what fits, and MSG_TRUNC says the rest is gone.
            try await api.sendmsg(a, OutgoingMessage(address: bAddr, iov: Self.iov), timeout: BlockingFixtures.patience)
            let cut = try await api.recvmsg(b, bufferSizes: [3, 4], controlSize: 0, timeout: BlockingFixtures.patience)
            Self.expectSplit(cut, of: Array(Self.joined.prefix(7)), over: [3, 4])
            #expect(cut.flags & Int32(MSG_TRUNC) != 0)
            #expect(cut.address == aAddr)

            // recvfrom sees a sendmsg datagram too, and recvmsg a sendto one.
            try await api.sendmsg(b, OutgoingMessage(address: aAddr, iov: [[1], [2, 3]]), timeout: BlockingFixtures.patience)
            let d = try await api.recvfrom(a, length: 0, timeout: BlockingFixtures.patience)
            #expect(d.data == [1, 2, 3])
            #expect(d.source == bAddr)
            try await api.sendto(b, [7, 7], to: aAddr, timeout: BlockingFixtures.patience)
            let m = try await api.recvmsg(a, bufferSizes: [1, 1], controlSize: 0, timeout: BlockingFixtures.patience)
            Self.expectSplit(m, of: [7, 7], over: [1, 1])
            #expect(m.address == bAddr)
        }

        /// A buffer size of 0 means the socket's `{otp, rcvbuf}`, whether the data is there
        /// when recvmsg is called or arrives while it waits.
        @Test(arguments: TestBackends.all)
        func zeroSizeMeansOTPRcvbuf(_ backend: Backend) async throws {
            let api = try TestBackends.apiOrCancel(backend)
            let p = try await BlockingFixtures.pair(api, .inet)
            defer { p.close() }
            try api.setopt(p.server, SocketOption(.otp, "rcvbuf"), .int(1000))
            let data = BlockingFixtures.pattern(3000, seed: 9)

            // Already there.
            try await api.send(p.client, data, timeout: BlockingFixtures.patience)
            var got: [UInt8] = []
            for _ in 0..<100 where got.count < data.count {
                let m = try await api.recvmsg(p.server, bufferSizes: [0], controlSize: 0, timeout: BlockingFixtures.patience)
                #expect(m.iov.count == 1 && m.data.count <= 1000, "\(m.data.count) bytes in \(m.iov.count) buffers")
                got += m.data
            }
            #expect(got == data)

            // Arriving while recvmsg waits.
            async let waiting = api.recvmsg(p.server, bufferSizes: [0], controlSize: 0, timeout: BlockingFixtures.patience)
            try await Task.sleep(for: .milliseconds(20))
            try await api.send(p.client, data, timeout: BlockingFixtures.patience)
            let first = try await waiting
            #expect(!first.data.isEmpty && first.data.count <= 1000, "\(first.data.count) bytes")
            let rest = try await api.recv(p.server, length: data.count - first.data.count, timeout: BlockingFixtures.patience)
            #expect(first.data + rest == data)
        }

        /// sendmsg on a connected UDP socket needs no address (OTP's api_b_dgram_connect_udp4/6).
        @Test(arguments: TestBackends.all, [Domain.inet, .inet6])
        func connectedUDP(_ backend: Backend, _ domain: Domain) async throws {
            let api = try TestBackends.apiOrCancel(backend)
            let (a, b) = try BlockingFixtures.udpPair(api, domain)
            defer { try? api.close(a); try? api.close(b) }
            try await api.connect(a, try api.sockname(b), timeout: BlockingFixtures.patience)
            try await api.sendmsg(a, OutgoingMessage(iov: [[1, 2], [3]]), timeout: BlockingFixtures.patience)
            let m = try await api.recvmsg(b, bufferSizes: [8], controlSize: 0, timeout: BlockingFixtures.patience)
            #expect(m.data == [1, 2, 3])
            #expect(m.address == (try api.sockname(a)))
        }
    }
}
