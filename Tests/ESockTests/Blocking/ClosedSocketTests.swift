import Testing
@testable import ESock

extension BlockingTests {
    /// A closed socket refuses every call with `closed`, closing again included.
    @Suite("Closed sockets")
    struct ClosedSockets {
        @Test(arguments: TestBackends.all)
        func closeTwice(_ backend: Backend) async throws {
            let api = try TestBackends.apiOrCancel(backend)
            let p = try await BlockingFixtures.pair(api, .inet)
            for s in [p.client, p.server, p.listener] {
                #expect(!s.isClosed)
                try api.close(s)
                #expect(s.isClosed)
                #expect(throws: SocketError.closed) { try api.close(s) }
            }
        }

        /// Every call on a closed stream socket.
        @Test(arguments: TestBackends.all)
        func everyStreamCallOnClosed(_ backend: Backend) async throws {
            let api = try TestBackends.apiOrCancel(backend)
            // A listener and a connected socket, both closed.
            let p = try await BlockingFixtures.pair(api, .inet)
            let peer = try api.sockname(p.listener)
            try api.close(p.listener)
            try api.close(p.client)
            defer { try? api.close(p.server) }
            let l = p.listener
            let s = p.client
            let t = BlockingFixtures.patience

            #expect(throws: SocketError.closed) { try api.bind(s, .inet(.loopback, port: 0)) }
            #expect(throws: SocketError.closed) { try api.listen(l) }
            await #expect(throws: SocketError.closed) { try await api.accept(l, timeout: t) }
            await #expect(throws: SocketError.closed) { try await api.connect(s, peer, timeout: t) }
            await #expect(throws: SocketError.closed) { try await api.send(s, [1], timeout: t) }
            await #expect(throws: SocketError.closed) { try await api.sendmsg(s, OutgoingMessage(iov: [[1]]), timeout: t) }
            await #expect(throws: SocketError.closed) { try await api.recv(s, length: 0, timeout: t) }
            await #expect(throws: SocketError.closed) { try await api.recv(s, length: 5, timeout: t) }
            await #expect(throws: SocketError.closed) {
                try await api.recvmsg(s, bufferSizes: [10], controlSize: 0, timeout: t)
            }
            #expect(throws: SocketError.closed) { try api.shutdown(s, .readWrite) }
            #expect(throws: SocketError.closed) { try api.sockname(s) }
            #expect(throws: SocketError.closed) { try api.peername(s) }
            #expect(throws: SocketError.closed) { try api.setopt(s, .sndbuf, .int(8192)) }
            #expect(throws: SocketError.closed) { try api.getopt(s, .sndbuf) }
            #expect(throws: SocketError.closed) { try api.setopt(s, SocketOption(.otp, "rcvbuf"), .int(4096)) }
            #expect(throws: SocketError.closed) { try api.getopt(s, SocketOption(.otp, "rcvbuf")) }
            #expect(throws: SocketError.closed) { try api.close(s) }
            // Also with `.zero`, and without waiting for the timeout.
            await #expect(throws: SocketError.closed) { try await api.recv(s, length: 0, timeout: .zero) }
            let r = await BlockingFixtures.timed { () async throws(SocketError) in
                try await api.accept(l, timeout: BlockingFixtures.patience)
            }
            #expect(BlockingFixtures.failure(r.result) == .closed)
            BlockingFixtures.expectPrompt(r.elapsed)
            #expect(api.info(s).readStates == [.closed])
            #expect(api.info(s).writeStates == [.closed])
        }

        /// Every datagram call on a closed UDP socket.
        @Test(arguments: TestBackends.all)
        func everyDatagramCallOnClosed(_ backend: Backend) async throws {
            let api = try TestBackends.apiOrCancel(backend)
            let (a, b) = try BlockingFixtures.udpPair(api, .inet)
            defer { try? api.close(b) }
            let to = try api.sockname(b)
            try api.close(a)
            let t = BlockingFixtures.patience
            await #expect(throws: SocketError.closed) { try await api.sendto(a, [1], to: to, timeout: t) }
            await #expect(throws: SocketError.closed) {
                try await api.sendmsg(a, OutgoingMessage(address: to, iov: [[1]]), timeout: t)
            }
            await #expect(throws: SocketError.closed) { try await api.recvfrom(a, length: 0, timeout: t) }
            await #expect(throws: SocketError.closed) {
                try await api.recvmsg(a, bufferSizes: [10], controlSize: 0, timeout: t)
            }
            await #expect(throws: SocketError.closed) { try await api.connect(a, to, timeout: t) }
            #expect(throws: SocketError.closed) { try api.bind(a, .inet(.loopback, port: 0)) }
            #expect(throws: SocketError.closed) { try api.setopt(a, .broadcast, .bool(true)) }
            #expect(throws: SocketError.closed) { try api.getopt(a, SocketOption(.socket, "type")) }
            #expect(throws: SocketError.closed) { try api.close(a) }
        }

        /// A call waiting when its socket is closed ends with `closed`, at once.
        @Test(arguments: TestBackends.all)
        func closeEndsWaitingCalls(_ backend: Backend) async throws {
            let api = try TestBackends.apiOrCancel(backend)
            let p = try await BlockingFixtures.pair(api, .inet)
            defer { p.close() }
            async let reading = BlockingFixtures.timed { () async throws(SocketError) in
                try await api.recv(p.server, length: 10, timeout: BlockingFixtures.patience)
            }
            async let accepting = BlockingFixtures.timed { () async throws(SocketError) in
                try await api.accept(p.listener, timeout: BlockingFixtures.patience)
            }
            try await Task.sleep(for: .milliseconds(50))
            try api.close(p.server)
            try api.close(p.listener)
            let r = await reading
            let a = await accepting
            #expect(BlockingFixtures.failure(r.result) == .closed)
            #expect(BlockingFixtures.failure(a.result) == .closed)
            BlockingFixtures.expectPrompt(r.elapsed)
            BlockingFixtures.expectPrompt(a.elapsed)
        }
    }
}
