import Testing
@testable import ESock

/// An accept with no connection pending must wait for one, on every backend, rather than
/// fail with the non-blocking descriptor's EAGAIN.
@Suite struct AcceptWaitsTests {
    @Test(arguments: [Backend.poll, Backend.uring])
    func awaitingAcceptWaitsForALateConnection(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let l = try api.open(.inet, .stream, .tcp)
        defer { try? api.close(l) }
        try api.bind(l, .loopback)
        try api.listen(l)
        let addr = try api.sockname(l)
        // The accept starts before anyone connects.
        let accepting = Task { try await api.accept(l, timeout: .seconds(5)) }
        try await Task.sleep(for: .milliseconds(50))
        let c = try api.open(.inet, .stream, .tcp)
        defer { try? api.close(c) }
        try await api.connect(c, addr, timeout: .seconds(5))
        let a = try await accepting.value
        try api.close(a)
    }

    @Test(arguments: [Backend.poll, Backend.uring])
    func nowaitAcceptWithNothingPendingIsPending(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let l = try api.open(.inet, .stream, .tcp)
        defer { try? api.close(l) }
        try api.bind(l, .loopback)
        try api.listen(l)
        let mb = Mailbox()
        let r = try api.accept(l, nowait: mb)
        #expect(r.pending != nil, "accept with no connection pending returned \(r)")
        try api.cancel(l, r, caller: mb)
    }
}
