import Testing
@testable import ESock

/// OTP's per-socket counters on both backends: accept tries count on uring too (its accepts
/// go to the kernel without a direct try), and bytes a cancel takes back and a later caller
/// receives are counted once.
@Suite("Socket counters")
struct CounterTests {
    @Test("accepts count their tries, waits and successes", arguments: TestBackends.all)
    func acceptCounters(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { p.close() }
        let c = api.info(p.listener).counters
        #expect(c.accTries >= 1, "acc_tries \(c.accTries)")
        #expect(c.accSuccess == 1)
    }

    @Test("bytes taken back by a cancel are counted once", arguments: TestBackends.all)
    func takenBackCountedOnce(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { p.close() }
        let mailbox = Mailbox()
        let r = try api.recv(p.server, length: 0, nowait: mailbox)
        try await api.send(p.client, Array("hello".utf8))
        if let info = r.pending {
            #expect(await eventually { mailbox.count == 1 })
            // uring: the completion is taken back into the stash; poll: the select goes.
            try api.cancel(p.server, info, caller: mailbox)
        }
        #expect(try await api.recv(p.server, length: 5, timeout: .seconds(10)) == Array("hello".utf8))
        let c = api.info(p.server).counters
        #expect(c.readByte == 5, "read_byte \(c.readByte)")
        #expect(c.readPkg == 1, "read_pkg \(c.readPkg)")
    }
}
