import Testing
@testable import ESock

extension BlockingTests {
    /// How much a stream recv returns: exactly N bytes for length N, whatever is there for
    /// length 0; and a big transfer both ways at once.
    @Suite("Lengths: exact-length recv, recv(length: 0), big transfers")
    struct Lengths {
        /// Three sends of 1000 bytes already queued: one recv(length: 3000) gets them all.
        @Test(arguments: TestBackends.all)
        func exactLengthAcrossQueuedSends(_ backend: Backend) async throws {
            let api = try TestBackends.apiOrCancel(backend)
            let p = try await BlockingFixtures.pair(api, .inet)
            defer { p.close() }
            let chunks = (0..<3).map { BlockingFixtures.pattern(1000, seed: UInt8($0)) }
            for c in chunks { try await api.send(p.client, c, timeout: BlockingFixtures.patience) }
            let got = try await api.recv(p.server, length: 3000, timeout: BlockingFixtures.patience)
            #expect(got == chunks.flatMap { $0 })
        }

        /// The recv waits first; the three sends come one by one with pauses between them.
        @Test(arguments: TestBackends.all)
        func exactLengthWaitsForEverySend(_ backend: Backend) async throws {
            let api = try TestBackends.apiOrCancel(backend)
            let p = try await BlockingFixtures.pair(api, .inet)
            defer { p.close() }
            let chunks = (0..<3).map { BlockingFixtures.pattern(1000, seed: UInt8(10 + $0)) }
            async let got = api.recv(p.server, length: 3000, timeout: BlockingFixtures.patience)
            for c in chunks {
                try await Task.sleep(for: .milliseconds(15))
                try await api.send(p.client, c, timeout: BlockingFixtures.patience)
            }
            #expect(try await got == chunks.flatMap { $0 })
            // Nothing more than asked for was taken: the next bytes are the next send's.
            try await api.send(p.client, [1, 2], timeout: BlockingFixtures.patience)
            #expect(try await api.recv(p.server, length: 2, timeout: BlockingFixtures.patience) == [1, 2])
        }

        /// recv(length: N) takes N and leaves the rest for the next call.
        @Test(arguments: TestBackends.all)
        func exactLengthLeavesTheRest(_ backend: Backend) async throws {
            let api = try TestBackends.apiOrCancel(backend)
            let p = try await BlockingFixtures.pair(api, .inet)
            defer { p.close() }
            let data = BlockingFixtures.pattern(5000)
            try await api.send(p.client, data, timeout: BlockingFixtures.patience)
            var got: [UInt8] = []
            for n in [1, 999, 2000, 2000] {
                let part = try await api.recv(p.server, length: n, timeout: BlockingFixtures.patience)
                #expect(part.count == n)
                got += part
            }
            #expect(got == data)
        }

        /// recv(length: 0) returns what is there (at least one byte, at most the otp rcvbuf
        /// size), and waits when nothing is.
        @Test(arguments: TestBackends.all)
        func lengthZeroReturnsWhatIsThere(_ backend: Backend) async throws {
            let api = try TestBackends.apiOrCancel(backend)
            let p = try await BlockingFixtures.pair(api, .inet)
            defer { p.close() }

            try await api.send(p.client, BlockingFixtures.pattern(500), timeout: BlockingFixtures.patience)
            var got: [UInt8] = []
            for _ in 0..<500 where got.count < 500 {
                let part = try await api.recv(p.server, length: 0, timeout: BlockingFixtures.patience)
                #expect(!part.isEmpty)
                got += part
            }
            #expect(got == BlockingFixtures.pattern(500))

            // More than a default-sized read: one recv(0) returns no more than {otp, rcvbuf}.
            guard case .int(let rcvbuf) = try api.getopt(p.server, SocketOption(.otp, "rcvbuf")) else {
                Issue.record("{otp, rcvbuf} is not an integer"); return
            }
            let big = BlockingFixtures.pattern(3 * rcvbuf, seed: 3)
            try await api.send(p.client, big, timeout: BlockingFixtures.patience)
            got = []
            for _ in 0..<big.count where got.count < big.count {
                let part = try await api.recv(p.server, length: 0, timeout: BlockingFixtures.patience)
                #expect(!part.isEmpty && part.count <= rcvbuf)
                got += part
            }
            #expect(got == big)

            // Nothing there: it waits for the next send.
            async let waiting = api.recv(p.server, length: 0, timeout: BlockingFixtures.patience)
            try await Task.sleep(for: .milliseconds(20))
            try await api.send(p.client, [5, 6, 7], timeout: BlockingFixtures.patience)
            #expect(try await waiting == [5, 6, 7])
        }

        /// `.peek` looks without taking; an empty send is a no-op.
        @Test(arguments: TestBackends.all)
        func peekAndEmptySend(_ backend: Backend) async throws {
            let api = try TestBackends.apiOrCancel(backend)
            let p = try await BlockingFixtures.pair(api, .inet)
            defer { p.close() }
            try await api.send(p.client, [], timeout: BlockingFixtures.patience)
            try await api.send(p.client, [1, 2, 3, 4, 5], timeout: BlockingFixtures.patience)
            #expect(try await api.recv(p.server, length: 3, flags: .peek, timeout: BlockingFixtures.patience) == [1, 2, 3])
            var peeked: [UInt8] = []
            for _ in 0..<100 where peeked.count < 5 {
                peeked = try await api.recv(p.server, length: 0, flags: .peek, timeout: BlockingFixtures.patience)
            }
            #expect(peeked == [1, 2, 3, 4, 5])
            #expect(try await api.recv(p.server, length: 5, timeout: BlockingFixtures.patience) == [1, 2, 3, 4, 5])
            // A peek that has to wait sees the data that arrives, and leaves it.
            async let waiting = api.recv(p.server, length: 0, flags: .peek, timeout: BlockingFixtures.patience)
            try await Task.sleep(for: .milliseconds(20))
            try await api.send(p.client, [6, 7], timeout: BlockingFixtures.patience)
            #expect(try await waiting == [6, 7])
            #expect(try await api.recv(p.server, length: 2, timeout: BlockingFixtures.patience) == [6, 7])
        }

        /// 4 MiB each way at the same time, every byte checked.
        @Test(arguments: TestBackends.all)
        func bigTransferBothWays(_ backend: Backend) async throws {
            let api = try TestBackends.apiOrCancel(backend)
            let p = try await BlockingFixtures.pair(api, .inet)
            defer { p.close() }
            let size = 4 << 20
            let up = BlockingFixtures.pattern(size, seed: 1)
            let down = BlockingFixtures.pattern(size, seed: 2)
            let long: Timeout = .seconds(30)
            async let upReceived = api.recv(p.server, length: size, timeout: long)
            async let downReceived = api.recv(p.client, length: size, timeout: long)
            async let upSent: Void = api.send(p.client, up, timeout: long)
            async let downSent: Void = api.send(p.server, down, timeout: long)
            try await upSent
            try await downSent
            let u = try await upReceived
            let d = try await downReceived
            #expect(u.count == size && d.count == size)
            #expect(u == up)
            #expect(d == down)
        }
    }
}
