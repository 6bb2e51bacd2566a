import Testing
@testable import ESock

extension BlockingTests {
    /// Finite timeouts end a call with `timeout` after about that long, carrying what moved
    /// so far; `.zero` is one non-blocking try.
    @Suite("Timeouts")
    struct Timeouts {
        static let short: Duration = .milliseconds(200)

        @Test(arguments: TestBackends.all)
        func acceptWithoutClient(_ backend: Backend) async throws {
            let api = try TestBackends.apiOrCancel(backend)
            let l = try api.open(.inet, .stream, .tcp)
            defer { try? api.close(l) }
            try api.bind(l, .loopback)
            try api.listen(l)
            let r = await BlockingFixtures.timed { () async throws(SocketError) in
                try await api.accept(l, timeout: .finite(Self.short))
            }
            #expect(BlockingFixtures.failure(r.result) == .timeout)
            BlockingFixtures.expectAbout(r.elapsed, Self.short)
            // The listener still works after the timed-out accept.
            let c = try api.open(.inet, .stream, .tcp)
            defer { try? api.close(c) }
            try await api.connect(c, try api.sockname(l), timeout: BlockingFixtures.patience)
            let s = try await api.accept(l, timeout: BlockingFixtures.patience)
            try? api.close(s)
        }

        @Test(arguments: TestBackends.all)
        func recvWithoutData(_ backend: Backend) async throws {
            let api = try TestBackends.apiOrCancel(backend)
            let p = try await BlockingFixtures.pair(api, .inet)
            defer { p.close() }
            for length in [0, 10] {
                let r = await BlockingFixtures.timed { () async throws(SocketError) in
                    try await api.recv(p.server, length: length, timeout: .finite(Self.short))
                }
                #expect(BlockingFixtures.failure(r.result) == .timeout, "length \(length)")
                BlockingFixtures.expectAbout(r.elapsed, Self.short)
            }
            // Nothing was lost or left behind by the timed-out calls.
            try await BlockingFixtures.roundTrip(api, [1, 2, 3], from: p.client, to: p.server)
        }

        @Test(arguments: TestBackends.all)
        func recvfromAndRecvmsgWithoutData(_ backend: Backend) async throws {
            let api = try TestBackends.apiOrCancel(backend)
            let (a, b) = try BlockingFixtures.udpPair(api, .inet)
            defer { try? api.close(a); try? api.close(b) }
            let r1 = await BlockingFixtures.timed { () async throws(SocketError) in
                try await api.recvfrom(a, length: 0, timeout: .finite(Self.short))
            }
            #expect(BlockingFixtures.failure(r1.result) == .timeout)
            BlockingFixtures.expectAbout(r1.elapsed, Self.short)
            let r2 = await BlockingFixtures.timed { () async throws(SocketError) in
                try await api.recvmsg(a, bufferSizes: [100], controlSize: 0, timeout: .finite(Self.short))
            }
            #expect(BlockingFixtures.failure(r2.result) == .timeout)
            BlockingFixtures.expectAbout(r2.elapsed, Self.short)
            // A datagram sent afterwards is received whole.
            try await api.sendto(b, [1, 2], to: try api.sockname(a), timeout: BlockingFixtures.patience)
            #expect(try await api.recvfrom(a, length: 0, timeout: BlockingFixtures.patience).data == [1, 2])
        }

        /// recv(length: 100) with only 30 bytes coming: timeout, carrying the 30 bytes.
        @Test(arguments: TestBackends.all)
        func recvPartialThenTimeout(_ backend: Backend) async throws {
            let api = try TestBackends.apiOrCancel(backend)
            let p = try await BlockingFixtures.pair(api, .inet)
            defer { p.close() }
            let data = BlockingFixtures.pattern(30, seed: 5)

            // Already there when the call starts.
            try await api.send(p.client, data, timeout: BlockingFixtures.patience)
            let r = await BlockingFixtures.timed { () async throws(SocketError) in
                try await api.recv(p.server, length: 100, timeout: .finite(Self.short))
            }
            #expect(BlockingFixtures.failure(r.result) == .partial(.timeout, data: data))
            BlockingFixtures.expectAbout(r.elapsed, Self.short)

            // Arriving in two pieces while the call waits.
            async let waiting = BlockingFixtures.timed { () async throws(SocketError) in
                try await api.recv(p.server, length: 100, timeout: .seconds(1))
            }
            try await Task.sleep(for: .milliseconds(20))
            try await api.send(p.client, Array(data.prefix(10)), timeout: BlockingFixtures.patience)
            try await Task.sleep(for: .milliseconds(20))
            try await api.send(p.client, Array(data.dropFirst(10)), timeout: BlockingFixtures.patience)
            let w = await waiting
            let e = BlockingFixtures.failure(w.result)
            #expect(e?.reason == .timeout)
            #expect(e?.partialData == data)
            BlockingFixtures.expectAbout(w.elapsed, .seconds(1))

            // No byte was lost or kept back: the stream continues with the next send.
            try await BlockingFixtures.roundTrip(api, [9, 9, 9], from: p.client, to: p.server)
        }

        /// `.zero` is one non-blocking try: data that is there is returned, else `timeout` at once.
        @Test(arguments: TestBackends.all)
        func zeroIsOneTry(_ backend: Backend) async throws {
            let api = try TestBackends.apiOrCancel(backend)
            let p = try await BlockingFixtures.pair(api, .inet)
            defer { p.close() }

            let empty = await BlockingFixtures.timed { () async throws(SocketError) in
                try await api.recv(p.server, length: 0, timeout: .zero)
            }
            #expect(BlockingFixtures.failure(empty.result) == .timeout)
            BlockingFixtures.expectPrompt(empty.elapsed)

            try await api.send(p.client, [1, 2, 3, 4], timeout: .zero)
            // The bytes may need a moment to cross loopback; then .zero finds them.
            var got: [UInt8] = []
            for _ in 0..<100 where got.count < 4 {
                do throws(SocketError) {
                    got += try await api.recv(p.server, length: 0, timeout: .zero)
                } catch .timeout {
                    try await Task.sleep(for: .milliseconds(5))
                }
            }
            #expect(got == [1, 2, 3, 4])

            // recv(length: N) with .zero and fewer bytes there: timeout with those bytes.
            try await api.send(p.client, [5, 6], timeout: BlockingFixtures.patience)
            try await Task.sleep(for: .milliseconds(20))
            let part = await BlockingFixtures.timed { () async throws(SocketError) in
                try await api.recv(p.server, length: 10, timeout: .zero)
            }
            #expect(BlockingFixtures.failure(part.result) == .partial(.timeout, data: [5, 6]))

            // accept: no client gives timeout at once; a queued connection is returned.
            let noClient = await BlockingFixtures.timed { () async throws(SocketError) in
                try await api.accept(p.listener, timeout: .zero)
            }
            #expect(BlockingFixtures.failure(noClient.result) == .timeout)
            BlockingFixtures.expectPrompt(noClient.elapsed)
            let c = try api.open(.inet, .stream, .tcp)
            defer { try? api.close(c) }
            try await api.connect(c, try api.sockname(p.listener), timeout: BlockingFixtures.patience)
            var accepted: Socket?
            for _ in 0..<100 where accepted == nil {
                do throws(SocketError) {
                    accepted = try await api.accept(p.listener, timeout: .zero)
                } catch .timeout {
                    try await Task.sleep(for: .milliseconds(5))
                }
            }
            #expect(accepted != nil)
            if let accepted {
                #expect(try api.peername(accepted) == (try api.sockname(c)))
                try? api.close(accepted)
            }

            // `.nowait` given to an awaiting call behaves like `.zero`.
            await #expect(throws: SocketError.timeout) {
                try await api.recv(p.server, length: 0, timeout: .nowait)
            }
        }
    }
}
