import Testing
@testable import ESock

extension BlockingTests {
    /// Timeouts of calls that wait on the network rather than on the peer program: a connect
    /// nobody answers, a send nobody reads.
    @Suite("Timeouts: connect and send")
    struct ConnectAndSendTimeouts {
        static let short: Duration = .milliseconds(250)

        /// A listener with backlog 0 whose one queued connection is never accepted: the
        /// kernel drops further SYNs, so a connect times out.
        @Test(arguments: TestBackends.all)
        func connectToFullBacklog(_ backend: Backend) async throws {
            let api = try TestBackends.apiOrCancel(backend)
            let l = try api.open(.inet, .stream, .tcp)
            defer { try? api.close(l) }
            try api.bind(l, .loopback)
            try api.listen(l, backlog: 0)
            let addr = try api.sockname(l)

            // Fill the queue until a connect gets no answer: that shows this kernel drops SYNs
            // when the accept queue is full (Linux takes backlog + 1 connections).
            var fillers: [Socket] = []
            defer { for f in fillers { try? api.close(f) } }
            var full = false
            for _ in 0..<8 where !full {
                let f = try api.open(.inet, .stream, .tcp)
                fillers.append(f)
                let r = await BlockingFixtures.timed { () async throws(SocketError) in
                    // Long enough that a loaded machine cannot make a connect that was queued
                    // look like one that was dropped.
                    try await api.connect(f, addr, timeout: .milliseconds(500))
                }
                switch r.result {
                case .success: break
                case .failure(.timeout): full = true
                case .failure(let e): Issue.record("filling connect failed with \(e)")
                }
            }
            try #require(full, "8 connects to a listen(backlog: 0) socket all succeeded: the queue never filled")

            let probe = try api.open(.inet, .stream, .tcp)
            defer { try? api.close(probe) }
            let r = await BlockingFixtures.timed { () async throws(SocketError) in
                try await api.connect(probe, addr, timeout: .finite(Self.short))
            }
            #expect(BlockingFixtures.failure(r.result) == .timeout)
            BlockingFixtures.expectAbout(r.elapsed, Self.short)
            let states = api.info(probe).writeStates
            #expect(!states.contains(.connecting) && !states.contains(.connected), "\(states)")
        }

        /// A connect to an address routed into a network namespace that drops everything.
        @Test(.enabled(if: NetworkNamespace.unavailableReason == nil,
                       Comment(rawValue: NetworkNamespace.unavailableReason ?? "")),
              arguments: TestBackends.all)
        func connectToBlackhole(_ backend: Backend) async throws {
            let api = try TestBackends.apiOrCancel(backend)
            do {
                try await NetworkNamespace.withBlackhole { ns in
                    try await Self.connectThrough(api, ns)
                }
            } catch let failure as NetworkNamespace.Failure {
                try Test.cancel("cannot set up a network namespace here: \(failure)")
            }
        }

        static func connectThrough(_ api: any SocketAPI, _ ns: NetworkNamespace) async throws {
            // The path into the namespace works: its own address answers (with a reset).
            let check = try api.open(.inet, .stream, .tcp)
            defer { try? api.close(check) }
            await #expect(throws: SocketError.errno(.econnrefused)) {
                try await api.connect(check, .inet(IPv4Address(ns.peerAddress)!, port: 9),
                                      timeout: BlockingFixtures.patience)
            }

            // Past it, nothing ever answers: the connect times out.
            let c = try api.open(.inet, .stream, .tcp)
            defer { try? api.close(c) }
            let r = await BlockingFixtures.timed { () async throws(SocketError) in
                try await api.connect(c, .inet(IPv4Address(ns.blackholeAddress)!, port: 9), timeout: .finite(Self.short))
            }
            #expect(BlockingFixtures.failure(r.result) == .timeout)
            BlockingFixtures.expectAbout(r.elapsed, Self.short)
        }

        /// A connected pair with small socket buffers on the path from client to server.
        static func smallBufferPair(_ api: any SocketAPI) async throws -> StreamPair {
            let l = try api.open(.inet, .stream, .tcp)
            try api.setopt(l, .rcvbuf, .int(4096))  // inherited by the accepted socket
            try api.bind(l, .loopback)
            try api.listen(l)
            let c = try api.open(.inet, .stream, .tcp)
            try api.setopt(c, .sndbuf, .int(4096))
            async let accepted = api.accept(l, timeout: BlockingFixtures.patience)
            try await api.connect(c, try api.sockname(l), timeout: BlockingFixtures.patience)
            return StreamPair(api: api, listener: l, client: c, server: try await accepted)
        }

        /// Checks a send cut short by a timeout: the unsent rest is a suffix of the data, and
        /// the peer gets exactly the bytes before it, then nothing.
        static func expectSendTimeout(_ api: any SocketAPI, _ p: StreamPair, _ data: [UInt8], already: Int,
                                      _ result: Result<Void, SocketError>,
                                      sourceLocation: SourceLocation = #_sourceLocation) async throws {
            let e = BlockingFixtures.failure(result, sourceLocation: sourceLocation)
            #expect(e?.reason == .timeout, sourceLocation: sourceLocation)
            let rest = e?.partialData ?? []
            #expect(!rest.isEmpty && rest.count < data.count - already, "\(rest.count) of \(data.count) unsent",
                    sourceLocation: sourceLocation)
            #expect(rest == Array(data.suffix(rest.count)), sourceLocation: sourceLocation)
            let sent = data.count - rest.count
            let got = try await p.api.recv(p.server, length: sent - already, timeout: BlockingFixtures.patience)
            #expect(got == Array(data[already..<sent]), "bytes reported sent differ from the bytes that arrived",
                    sourceLocation: sourceLocation)
            // Nothing beyond what was reported sent went out.
            let more = await BlockingFixtures.timed { () async throws(SocketError) in
                try await p.api.recv(p.server, length: 0, timeout: .milliseconds(100))
            }
            if case .success(let extra) = more.result {
                Issue.record("\(extra.count) bytes arrived beyond those reported sent", sourceLocation: sourceLocation)
            }
        }

        /// The peer never reads: the send fills both buffers, then times out with the rest.
        @Test(arguments: TestBackends.all)
        func sendTimeoutPeerNeverReads(_ backend: Backend) async throws {
            let api = try TestBackends.apiOrCancel(backend)
            let p = try await Self.smallBufferPair(api)
            defer { p.close() }
            let data = BlockingFixtures.pattern(1 << 20, seed: 6)
            let r = await BlockingFixtures.timed { () async throws(SocketError) in
                try await api.send(p.client, data, timeout: .finite(Self.short))
            }
            BlockingFixtures.expectAbout(r.elapsed, Self.short)
            try await Self.expectSendTimeout(api, p, data, already: 0, r.result)
            // The connection still works afterwards.
            try await BlockingFixtures.roundTrip(api, [1, 2, 3], from: p.client, to: p.server)
        }

        /// The peer reads some of what is queued while the send waits, then stops: the send
        /// makes progress after it first blocked, and the rest it reports must still be exact.
        @Test(arguments: TestBackends.all)
        func sendTimeoutAfterSomeProgress(_ backend: Backend) async throws {
            let api = try TestBackends.apiOrCancel(backend)
            let p = try await Self.smallBufferPair(api)
            defer { p.close() }
            let data = BlockingFixtures.pattern(1 << 20, seed: 7)
            let drained = 6000
            async let sending = BlockingFixtures.timed { () async throws(SocketError) in
                try await api.send(p.client, data, timeout: .milliseconds(500))
            }
            try await Task.sleep(for: .milliseconds(100))
            let head = try await api.recv(p.server, length: drained, timeout: BlockingFixtures.patience)
            #expect(head == Array(data.prefix(drained)))
            let r = await sending
            try await Self.expectSendTimeout(api, p, data, already: drained, r.result)
        }

        /// A `.zero` send on a socket whose buffers are full times out at once, having written
        /// nothing: plain `timeout`, as OTP's `{error, timeout}` (not `{timeout, RestData}`).
        @Test(arguments: TestBackends.all)
        func zeroSendOnFullSocket(_ backend: Backend) async throws {
            let api = try TestBackends.apiOrCancel(backend)
            let p = try await Self.smallBufferPair(api)
            defer { p.close() }
            // Fill the buffers, let in-flight segments settle, and top them up again: then the
            // send buffer stays full, since the peer never reads.
            let chunk = BlockingFixtures.pattern(64 << 10)
            for round in 0..<2 {
                var full = false
                for _ in 0..<64 where !full {
                    do throws(SocketError) {
                        try await api.send(p.client, chunk, timeout: .zero)
                    } catch .partial(.timeout, _), .timeout {
                        full = true
                    }
                }
                #expect(full, "round \(round): the buffers never filled")
                try await Task.sleep(for: .milliseconds(50))
            }
            let r = await BlockingFixtures.timed { () async throws(SocketError) in
                try await api.send(p.client, [1, 2, 3], timeout: .zero)
            }
            let e = BlockingFixtures.failure(r.result)
            #expect(e == .timeout)
            #expect(e?.unsent(of: [1, 2, 3]) == [1, 2, 3])
            BlockingFixtures.expectPrompt(r.elapsed)
            // A finite timeout that writes nothing is plain too.
            let later = await BlockingFixtures.timed { () async throws(SocketError) in
                try await api.send(p.client, [4, 5], timeout: .milliseconds(30))
            }
            #expect(BlockingFixtures.failure(later.result) == .timeout)
        }
    }
}
