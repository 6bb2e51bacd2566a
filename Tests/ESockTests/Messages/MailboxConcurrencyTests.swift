import Testing
@testable import ESock

/// A selective receiver looks for the last message while another thread posts the others:
/// it takes that one, and the rest stay queued in order. Under ThreadSanitizer
/// (Scripts/sanitize.sh) it also checks that a receiver that finds nothing never reads the
/// queue's storage while a post writes it.
@Suite struct MailboxConcurrencyTests {
    @Test func selectiveReceiveBesidePosts() async throws {
        let api = try #require(try TestBackends.api(.poll))
        let socket = try api.open(.inet, .stream, .tcp)
        defer { try? socket.close() }
        let mailbox = Mailbox()
        let last: UInt64 = 2000
        let poster = Task.detached {
            for i in 0...last { mailbox.post(.select(socket, Handle(rawValue: i))) }
        }
        var found: SocketMessage?
        let deadline = ContinuousClock.now + .seconds(20)
        while found == nil && ContinuousClock.now < deadline {
            found = mailbox.tryReceive { $0.handle.rawValue == last }
            if found == nil { await Task.yield() }
        }
        await poster.value
        #expect(found?.handle.rawValue == last)
        var rest: [UInt64] = []
        while let m = mailbox.tryReceive() { rest.append(m.handle.rawValue) }
        #expect(rest == Array(0..<last))
    }
}
