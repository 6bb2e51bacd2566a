import Testing
@testable import ESock

/// Receive flags that change what the kernel returns: MSG_TRUNC reports a datagram's real
/// length, MSG_PEEK leaves the bytes in place. Neither may make a receive return more bytes
/// than asked for, or the same bytes twice.
@Suite("Receive flags: trunc and peek")
struct ReceiveFlagTests {
    @Test("recv with .trunc returns at most `length` bytes, data already there", arguments: TestBackends.all)
    func truncImmediate(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let (a, b) = try BlockingFixtures.udpPair(api, .inet)
        defer { try? api.close(a); try? api.close(b) }
        let payload = patternBytes(0, 100)
        try await api.sendto(a, payload, to: try api.sockname(b), timeout: .seconds(5))
        try await Task.sleep(for: .milliseconds(20))
        let got = try await api.recv(b, length: 16, flags: .trunc, timeout: .seconds(5))
        #expect(got == Array(payload.prefix(16)))
        // The datagram is consumed whole: the next one is read next.
        try await api.sendto(a, [7], to: try api.sockname(b), timeout: .seconds(5))
        #expect(try await api.recv(b, length: 16, timeout: .seconds(5)) == [7])
    }

    @Test("recv with .trunc returns at most `length` bytes, receive waiting in the kernel", arguments: TestBackends.all)
    func truncWaiting(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let (a, b) = try BlockingFixtures.udpPair(api, .inet)
        defer { try? api.close(a); try? api.close(b) }
        let payload = patternBytes(3, 100)
        async let got = api.recv(b, length: 16, flags: .trunc, timeout: .seconds(5))
        try await Task.sleep(for: .milliseconds(50))
        try await api.sendto(a, payload, to: try api.sockname(b), timeout: .seconds(5))
        #expect(try await got == Array(payload.prefix(16)))
    }

    @Test("recvfrom and recvmsg with .trunc stay within their buffers", arguments: TestBackends.all)
    func truncFromAndMsg(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let (a, b) = try BlockingFixtures.udpPair(api, .inet)
        defer { try? api.close(a); try? api.close(b) }
        let to = try api.sockname(b)
        let payload = patternBytes(5, 100)
        try await api.sendto(a, payload, to: to, timeout: .seconds(5))
        let d = try await api.recvfrom(b, length: 10, flags: .trunc, timeout: .seconds(5))
        #expect(d.data == Array(payload.prefix(10)))
        try await api.sendto(a, payload, to: to, timeout: .seconds(5))
        let m = try await api.recvmsg(b, bufferSizes: [10], controlSize: 0, flags: .trunc, timeout: .seconds(5))
        #expect(m.data == Array(payload.prefix(10)))
        #expect(m.flags & MessageFlags.trunc.rawValue != 0, "recvmsg reports the truncation in its flags")
    }

    @Test("recv with .peek returns the bytes once and leaves them for the next recv", arguments: TestBackends.all)
    func peekImmediate(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let pair = try await StreamPair.make(api)
        defer { pair.close() }
        try await api.send(pair.client, Array("abcd".utf8), timeout: .seconds(5))
        try await Task.sleep(for: .milliseconds(20))
        let peeked = try await api.recv(pair.server, length: 10, flags: .peek, timeout: .seconds(5))
        #expect(peeked == Array("abcd".utf8))
        let again = try await api.recv(pair.server, length: 2, flags: .peek, timeout: .seconds(5))
        #expect(again == Array("ab".utf8))
        #expect(try await api.recv(pair.server, length: 4, timeout: .seconds(5)) == Array("abcd".utf8))
    }

    @Test("recv with .peek waiting for data returns it once and leaves it in place", arguments: TestBackends.all)
    func peekWaiting(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let pair = try await StreamPair.make(api)
        defer { pair.close() }
        async let peeked = api.recv(pair.server, length: 10, flags: .peek, timeout: .seconds(5))
        try await Task.sleep(for: .milliseconds(50))
        try await api.send(pair.client, Array("wxyz".utf8), timeout: .seconds(5))
        #expect(try await peeked == Array("wxyz".utf8))
        #expect(try await api.recv(pair.server, length: 4, timeout: .seconds(5)) == Array("wxyz".utf8))
    }

    @Test("nowait recv with .peek: the message carries the bytes once", arguments: TestBackends.all)
    func peekNowait(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let pair = try await StreamPair.make(api)
        defer { pair.close() }
        let mailbox = Mailbox()
        let r = try api.recv(pair.server, length: 8, flags: .peek, nowait: mailbox, handle: nil)
        let info = try #require(expectPending(r, backend, .recv))
        try await api.send(pair.client, Array("pq".utf8), timeout: .seconds(5))
        let m = try #require(await message(mailbox, pair.server, info.handle))
        switch m {
        case .select:
            guard case .ok(let d) = try api.recv(pair.server, length: 8, flags: .peek, nowait: mailbox, handle: nil) else {
                Issue.record("after select the peek must find the bytes"); return
            }
            #expect(d == Array("pq".utf8))
        default:
            #expect(m.status?.bytes == Array("pq".utf8))
        }
        #expect(try await api.recv(pair.server, length: 2, timeout: .seconds(5)) == Array("pq".utf8))
    }
}
