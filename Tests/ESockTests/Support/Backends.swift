import Testing
@testable import ESock

/// The backends the conformance suite runs on: poll always, uring where io_uring is usable.
/// A uring case on a machine that blocks io_uring is recorded as skipped with the reason.
enum TestBackends {
    /// Every concrete backend; parameterize tests over this.
    static let all: [Backend] = [.poll, .uring]

    /// Why uring cannot run here, or nil.
    static var uringUnavailable: String? { URingProbe.current.unavailable }

    /// The API for `backend`. Where uring cannot run here the case is cancelled with the
    /// reason (reported skipped, never passing); see ``apiOrCancel(_:sourceLocation:)``.
    static func api(_ backend: Backend, sourceLocation: SourceLocation = #_sourceLocation) throws -> (any SocketAPI)? {
        try apiOrCancel(backend, sourceLocation: sourceLocation)
    }

    /// The executors of every loop of `api`'s group.
    static func loopExecutors(_ api: any SocketAPI) -> [any TaskExecutor] {
        guard let api = api as? ESockAPI else { return [api.executor] }
        return api.group.engines.map(\.executor)
    }
}

/// A connected TCP (or Unix stream) pair plus its listener, closed by `close()`.
struct StreamPair {
    let api: any SocketAPI
    let listener: Socket
    let client: Socket
    let server: Socket

    static func make(_ api: any SocketAPI, domain: Domain = .inet) async throws -> StreamPair {
        let l = try api.open(domain, .stream, domain == .local ? .default : .tcp)
        try bindForTest(api, l, domain)
        try api.listen(l, backlog: 16)
        let addr = try api.sockname(l)
        let c = try api.open(domain, .stream, domain == .local ? .default : .tcp)
        async let accepted = api.accept(l, timeout: .seconds(10))
        try await api.connect(c, addr, timeout: .seconds(10))
        return StreamPair(api: api, listener: l, client: c, server: try await accepted)
    }

    func close() {
        for s in [client, server, listener] { try? api.close(s) }
    }
}
