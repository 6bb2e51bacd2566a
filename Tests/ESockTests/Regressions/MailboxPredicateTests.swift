import Testing
@testable import ESock

/// A selective receive's predicate runs in the receiver's context, never inside the socket's
/// lock: a predicate may use the socket API.
@Suite("Mailbox predicates run outside the socket's lock")
struct MailboxPredicateTests {
    @Test("a predicate that asks the socket for its info does not deadlock the loop",
          arguments: TestBackends.all)
    func predicateUsesSocket(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { p.close() }
        let mailbox = Mailbox()
        let r = try api.recv(p.server, length: 0, nowait: mailbox)
        let info = try #require(expectPending(r, backend, .recv))
        let server = p.server
        async let got = mailbox.receive(timeout: .seconds(5)) { m in
            // Takes the socket's lock: deadlocks if run while the loop posts under it.
            _ = api.info(server)
            return m.handle == info.handle
        }
        try await Task.sleep(for: .milliseconds(50))
        try await api.send(p.client, [1, 2, 3], timeout: .seconds(5))
        #expect(try #require(await got).handle == info.handle)
        // The loop still serves the pair afterwards.
        try await api.send(p.server, [4], timeout: .seconds(5))
        #expect(try await api.recv(p.client, length: 1, timeout: .seconds(5)) == [4])
    }

    @Test("selective receive keeps the order of the other messages")
    func selectiveOrder() async throws {
        let mailbox = Mailbox()
        let s = try (try TestBackends.api(.poll)!).open(.inet, .stream, .tcp)
        defer { try? s.close() }
        let handles = (1...4).map { Handle(rawValue: UInt64(1000 + $0)) }
        for h in handles { mailbox.post(.select(s, h)) }
        let third = await mailbox.receive(timeout: .seconds(1)) { $0.handle == handles[2] }
        #expect(third?.handle == handles[2])
        var rest: [Handle] = []
        while let m = mailbox.tryReceive() { rest.append(m.handle) }
        #expect(rest == [handles[0], handles[1], handles[3]])
    }
}
