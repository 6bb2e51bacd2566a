import Testing
@testable import ESock

/// `cancel` on a socket that closed, as OTP 25's cancel (Tests/OTPReference/
/// cancel_after_close.escript): it returns `closed` and takes the abort the close sent that
/// operation out of the caller's mailbox; a `select` the caller already had stays.
@Suite struct CancelAfterCloseTests {
    @Test(arguments: TestBackends.all, WaitOperation.allCases)
    func cancelTakesTheAbortOut(backend: Backend, operation: WaitOperation) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let f = try await WaitFixture(api, operation)
        defer { f.close() }
        let mb = Mailbox(), other = Mailbox()
        let info = try #require(expectPending(try f.start(mb), backend, operation.tag))
        let otherInfo = try #require(expectPending(try f.start(other), backend, operation.tag))
        try api.close(f.socket)
        #expect(await eventually { mb.count == 1 && other.count == 1 })
        #expect(throws: SocketError.closed) { try api.cancel(f.socket, info, caller: mb) }
        #expect(mb.count == 0, "the abort of the cancelled operation is gone")
        #expect(other.tryReceive()?.abortReason == .closed, "another caller's abort stays")
        _ = otherInfo
    }

    @Test func aSelectAlreadyThereStays() async throws {
        guard let api = try TestBackends.api(.poll) else { return }
        let p = try await StreamPair.make(api)
        defer { p.close() }
        let mb = Mailbox()
        let info = try #require(expectPending(try api.recv(p.server, length: 0, nowait: mb), .poll, .recv))
        try await api.send(p.client, [1])
        #expect(await eventually { mb.count == 1 })
        try api.close(p.server)
        #expect(throws: SocketError.closed) { try api.cancel(p.server, info, caller: mb) }
        guard case .select(let s, let h)? = mb.tryReceive() else { Issue.record("the select went"); return }
        #expect(s === p.server && h == info.handle)
    }
}
