import Testing
@testable import ESock

@Suite struct SmokeTests {
    @Test(arguments: TestBackends.all)
    func echo(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let l = try api.open(.inet, .stream, .tcp)
        try api.bind(l, .loopback)
        try api.listen(l)
        let addr = try api.sockname(l)
        let c = try api.open(.inet, .stream, .tcp)
        async let accepted = api.accept(l, timeout: .seconds(5))
        try await api.connect(c, addr, timeout: .seconds(5))
        let a = try await accepted
        try await api.send(c, Array("hello".utf8))
        let got = try await api.recv(a, length: 5, timeout: .seconds(5))
        #expect(got == Array("hello".utf8))
        let mb = Mailbox()
        let r = try api.recv(a, length: 0, nowait: mb)
        switch (backend, r) {
        case (.poll, .select): break
        case (.uring, .completion): break
        default: Issue.record("unexpected \(r)")
        }
        try await api.send(c, [1, 2, 3])
        let m = await mb.receive(timeout: .seconds(5))
        print("message:", m as Any)
        try api.close(a); try api.close(c); try api.close(l)
        #expect(throws: SocketError.closed) { try api.close(l) }
    }
}
