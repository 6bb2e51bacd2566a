import Testing
@testable import ESock

extension BlockingTests {
    /// The peer closing or shutting down, and shutdown of one's own socket.
    @Suite("Peer close and shutdown")
    struct PeerCloseAndShutdown {
        @Test(arguments: TestBackends.all)
        func peerCloseGivesClosed(_ backend: Backend) async throws {
            let api = try TestBackends.apiOrCancel(backend)
            let p = try await BlockingFixtures.pair(api, .inet)
            defer { p.close() }
            // One recv already waiting when the peer closes, one after.
            async let waiting = BlockingFixtures.timed { () async throws(SocketError) in
                try await api.recv(p.server, length: 0, timeout: BlockingFixtures.patience)
            }
            try await Task.sleep(for: .milliseconds(20))
            try api.close(p.client)
            #expect(BlockingFixtures.failure(await waiting.result) == .closed)
            await #expect(throws: SocketError.closed) {
                try await api.recv(p.server, length: 0, timeout: BlockingFixtures.patience)
            }
            await #expect(throws: SocketError.closed) {
                try await api.recv(p.server, length: 10, timeout: BlockingFixtures.patience)
            }
        }

        /// Peer sent 10 bytes then closed: recv(length: 100) returns them with `closed`.
        @Test(arguments: TestBackends.all)
        func peerCloseAfterPartialData(_ backend: Backend) async throws {
            let api = try TestBackends.apiOrCancel(backend)
            let data = BlockingFixtures.pattern(10, seed: 4)

            // The data and the close are there before the recv.
            let p = try await BlockingFixtures.pair(api, .inet)
            defer { p.close() }
            try await api.send(p.client, data, timeout: BlockingFixtures.patience)
            try api.close(p.client)
            let e = await #expect(throws: SocketError.self) {
                try await api.recv(p.server, length: 100, timeout: BlockingFixtures.patience)
            }
            #expect(e == .partial(.closed, data: data))
            #expect(e?.reason == .closed)
            #expect(e?.partialData == data)

            // The recv waits first; the data comes, then the close.
            let q = try await BlockingFixtures.pair(api, .inet)
            defer { q.close() }
            async let waiting = BlockingFixtures.timed { () async throws(SocketError) in
                try await api.recv(q.server, length: 100, timeout: BlockingFixtures.patience)
            }
            try await Task.sleep(for: .milliseconds(20))
            try await api.send(q.client, data, timeout: BlockingFixtures.patience)
            try await Task.sleep(for: .milliseconds(20))
            try api.close(q.client)
            #expect(BlockingFixtures.failure(await waiting.result) == .partial(.closed, data: data))
        }

        /// Peer sent 10 bytes then reset the connection (close with linger 0): recv(length: 100)
        /// returns them with the reset, whether they were there before the call or not.
        @Test(arguments: TestBackends.all)
        func peerResetAfterPartialData(_ backend: Backend) async throws {
            let api = try TestBackends.apiOrCancel(backend)
            let data = BlockingFixtures.pattern(10, seed: 8)

            let p = try await BlockingFixtures.pair(api, .inet)
            defer { p.close() }
            try api.setopt(p.client, .linger, .linger(0))
            try await api.send(p.client, data, timeout: BlockingFixtures.patience)
            try await Task.sleep(for: .milliseconds(20))
            try api.close(p.client)
            try await Task.sleep(for: .milliseconds(20))
            let e = await #expect(throws: SocketError.self) {
                try await api.recv(p.server, length: 100, timeout: BlockingFixtures.patience)
            }
            #expect(e == .partial(.errno(.econnreset), data: data))

            let q = try await BlockingFixtures.pair(api, .inet)
            defer { q.close() }
            try api.setopt(q.client, .linger, .linger(0))
            async let waiting = BlockingFixtures.timed { () async throws(SocketError) in
                try await api.recv(q.server, length: 100, timeout: BlockingFixtures.patience)
            }
            try await Task.sleep(for: .milliseconds(20))
            try await api.send(q.client, data, timeout: BlockingFixtures.patience)
            try await Task.sleep(for: .milliseconds(20))
            try api.close(q.client)
            #expect(BlockingFixtures.failure(await waiting.result) == .partial(.errno(.econnreset), data: data))
        }

        /// The end comes after the call already took some bytes and waited for more: every
        /// byte, from before and after the wait, comes with the end (close or reset).
        @Test(arguments: TestBackends.all)
        func peerEndAfterSeveralPieces(_ backend: Backend) async throws {
            let api = try TestBackends.apiOrCancel(backend)
            for reset in [false, true] {
                let p = try await BlockingFixtures.pair(api, .inet)
                defer { p.close() }
                if reset { try api.setopt(p.client, .linger, .linger(0)) }
                let a = BlockingFixtures.pattern(10, seed: 10)
                let b = BlockingFixtures.pattern(5, seed: 11)
                try await api.send(p.client, a, timeout: BlockingFixtures.patience)
                try await Task.sleep(for: .milliseconds(20))
                async let waiting = BlockingFixtures.timed { () async throws(SocketError) in
                    try await api.recv(p.server, length: 100, timeout: BlockingFixtures.patience)
                }
                try await Task.sleep(for: .milliseconds(20))
                // The last piece and the end together, so that one try may see both.
                try await api.send(p.client, b, timeout: BlockingFixtures.patience)
                try api.close(p.client)
                let end: SocketError = reset ? .errno(.econnreset) : .closed
                #expect(BlockingFixtures.failure(await waiting.result) == .partial(end, data: a + b), "reset: \(reset)")
            }
        }

        /// shutdown(.write) by the peer ends our reading, and our writing still works.
        @Test(arguments: TestBackends.all)
        func peerShutdownWrite(_ backend: Backend) async throws {
            let api = try TestBackends.apiOrCancel(backend)
            let p = try await BlockingFixtures.pair(api, .inet)
            defer { p.close() }
            try await api.send(p.client, [1, 2, 3], timeout: BlockingFixtures.patience)
            try api.shutdown(p.client, .write)
            #expect(try await api.recv(p.server, length: 3, timeout: BlockingFixtures.patience) == [1, 2, 3])
            await #expect(throws: SocketError.closed) {
                try await api.recv(p.server, length: 0, timeout: BlockingFixtures.patience)
            }
            // Half-close: the other direction is still open.
            try await BlockingFixtures.roundTrip(api, BlockingFixtures.pattern(1000), from: p.server, to: p.client)
            // Our own write side is shut: sending fails with epipe.
            await #expect(throws: SocketError.errno(.epipe)) {
                try await api.send(p.client, [9], timeout: BlockingFixtures.patience)
            }
        }

        /// shutdown(.read) of our own socket: recv reports the end at once.
        @Test(arguments: TestBackends.all)
        func shutdownRead(_ backend: Backend) async throws {
            let api = try TestBackends.apiOrCancel(backend)
            let p = try await BlockingFixtures.pair(api, .inet)
            defer { p.close() }
            try api.shutdown(p.server, .read)
            let r = await BlockingFixtures.timed { () async throws(SocketError) in
                try await api.recv(p.server, length: 0, timeout: BlockingFixtures.patience)
            }
            #expect(BlockingFixtures.failure(r.result) == .closed)
            BlockingFixtures.expectPrompt(r.elapsed)
            // Writing is unaffected.
            try await BlockingFixtures.roundTrip(api, [4, 5, 6], from: p.server, to: p.client)
            #expect(api.info(p.server).readStates.contains(.readShutdown))
        }

        /// shutdown(.write) of our own socket: send fails, the peer sees the end, we can
        /// still read.
        @Test(arguments: TestBackends.all)
        func shutdownWrite(_ backend: Backend) async throws {
            let api = try TestBackends.apiOrCancel(backend)
            let p = try await BlockingFixtures.pair(api, .inet)
            defer { p.close() }
            try api.shutdown(p.server, .write)
            await #expect(throws: SocketError.errno(.epipe)) {
                try await api.send(p.server, [1], timeout: BlockingFixtures.patience)
            }
            await #expect(throws: SocketError.closed) {
                try await api.recv(p.client, length: 0, timeout: BlockingFixtures.patience)
            }
            try await BlockingFixtures.roundTrip(api, [7, 8], from: p.client, to: p.server)
            #expect(api.info(p.server).writeStates.contains(.writeShutdown))
        }

        /// shutdown(.readWrite): neither direction works any more, on our side or the peer's.
        @Test(arguments: TestBackends.all)
        func shutdownReadWrite(_ backend: Backend) async throws {
            let api = try TestBackends.apiOrCancel(backend)
            let p = try await BlockingFixtures.pair(api, .inet)
            defer { p.close() }
            try api.shutdown(p.server, .readWrite)
            await #expect(throws: SocketError.errno(.epipe)) {
                try await api.send(p.server, [1], timeout: BlockingFixtures.patience)
            }
            await #expect(throws: SocketError.closed) {
                try await api.recv(p.server, length: 0, timeout: BlockingFixtures.patience)
            }
            await #expect(throws: SocketError.closed) {
                try await api.recv(p.client, length: 0, timeout: BlockingFixtures.patience)
            }
            let info = api.info(p.server)
            #expect(info.readStates.contains(.readShutdown))
            #expect(info.writeStates.contains(.writeShutdown))
        }

        /// shutdown of a socket that is not connected is the kernel's enotconn.
        @Test(arguments: TestBackends.all)
        func shutdownUnconnected(_ backend: Backend) throws {
            let api = try TestBackends.apiOrCancel(backend)
            let s = try api.open(.inet, .stream, .tcp)
            defer { try? api.close(s) }
            #expect(throws: SocketError.errno(.enotconn)) { try api.shutdown(s, .readWrite) }
        }
    }
}
