import Testing
@testable import ESock

// Helpers for the asynchronous-semantics suite: what a pending `nowait` call and its message
// must look like on each backend, waiting with bounds, and datagram pairs.

/// The pending info of `result`, recording an issue unless it is the shape `backend` must
/// give: `.select` on poll, `.completion` on uring, for operation `tag`.
@discardableResult
func expectPending<V>(_ result: Nowait<V>, _ backend: Backend, _ tag: OperationTag,
                      sourceLocation: SourceLocation = #_sourceLocation) -> PendingInfo? {
    switch (backend, result) {
    case (.poll, .select(let i, _)):
        #expect(i.tag == tag, sourceLocation: sourceLocation)
        return .select(i)
    case (.uring, .completion(let i, _)):
        #expect(i.tag == tag, sourceLocation: sourceLocation)
        return .completion(i)
    default:
        Issue.record("expected a pending \(tag) (\(backend == .poll ? "select" : "completion")), got \(result)",
                     sourceLocation: sourceLocation)
        return nil
    }
}

/// The partial value a pending `nowait` result carries, nil if none (or not pending).
func partialOf<V>(_ result: Nowait<V>) -> V? {
    switch result {
    case .ok: return nil
    case .select(_, let p), .completion(_, let p): return p
    }
}

/// Waits (bounded) for the message about `handle` on `socket`; records an issue when none comes.
func message(_ mailbox: Mailbox, _ socket: Socket, _ handle: Handle, within: Timeout = .seconds(5),
             sourceLocation: SourceLocation = #_sourceLocation) async -> SocketMessage? {
    let m = await mailbox.receive(timeout: within) { $0.handle == handle && $0.socket === socket }
    if m == nil { Issue.record("no message for \(handle) on \(socket)", sourceLocation: sourceLocation) }
    return m
}

/// Records an issue if a message about `handle` (any message when nil) is in `mailbox` or
/// arrives within `wait`.
func expectNoMessage(_ mailbox: Mailbox, about handle: Handle? = nil, wait: Duration = .milliseconds(150),
                     sourceLocation: SourceLocation = #_sourceLocation) async {
    let m = await mailbox.receive(timeout: .finite(wait)) { m in handle.map { m.handle == $0 } ?? true }
    if let m { Issue.record("unexpected message \(m)", sourceLocation: sourceLocation) }
}

extension SocketMessage {
    /// Whether this is a `select` message.
    var isSelect: Bool { if case .select = self { return true } else { return false } }
    /// The status of a `completion` message, nil for other kinds.
    var status: CompletionStatus? { if case .completion(_, _, let s) = self { return s } else { return nil } }
    /// The reason of an `abort` message, nil for other kinds.
    var abortReason: SocketError? { if case .abort(_, _, let r) = self { return r } else { return nil } }
}

extension CompletionStatus {
    /// The bytes of `.data`/`.more`/`.datagram`/`.message`, nil for other statuses.
    var bytes: [UInt8]? {
        switch self {
        case .data(let d), .more(let d), .datagram(_, let d): return d
        case .message(let m): return m.data
        default: return nil
        }
    }
    /// Whether this is `.more` (a partial stream read).
    var isMore: Bool { if case .more = self { return true } else { return false } }
    /// The error of `.error`, nil otherwise.
    var error: SocketError? { if case .error(let e) = self { return e } else { return nil } }
}

/// Polls `condition` every millisecond until it holds or `limit` passes; returns whether it held.
func eventually(_ limit: Duration = .seconds(5), _ condition: () -> Bool) async -> Bool {
    let end = ContinuousClock.now.advanced(by: limit)
    while ContinuousClock.now < end {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(1))
    }
    return condition()
}

/// Runs `body` with a watchdog: when `limit` passes first, the body's task is cancelled and
/// an issue recorded, so an engine that never answers fails the test instead of hanging it.
func withinLimit<T: Sendable>(_ limit: Duration, sourceLocation: SourceLocation = #_sourceLocation,
                              _ body: @escaping @Sendable () async throws -> T) async throws -> T? {
    try await withThrowingTaskGroup(of: T?.self) { g in
        g.addTask { try await body() }
        g.addTask {
            try? await Task.sleep(for: limit)
            return nil
        }
        defer { g.cancelAll() }
        let first = try await g.next()!
        if first == nil { Issue.record("did not finish within \(limit)", sourceLocation: sourceLocation) }
        return first
    }
}

/// A fresh abstract Unix socket name, for binding local sockets in tests.
func uniqueLocalAddress() -> SocketAddress {
    .abstract(name: Array("esock-test-\(UInt64.random(in: 0...UInt64.max))".utf8))
}

/// Binds `socket` to loopback (inet, inet6) or to a fresh abstract name (local).
func bindForTest(_ api: any SocketAPI, _ socket: Socket, _ domain: Domain) throws {
    if domain == .local { try api.bind(socket, uniqueLocalAddress()) } else { try api.bind(socket, .loopback) }
}

/// Two bound UDP sockets (or Unix datagram sockets) that can reach each other.
struct DatagramPair {
    let api: any SocketAPI
    let a: Socket
    let b: Socket
    let addressA: SocketAddress
    let addressB: SocketAddress

    static func make(_ api: any SocketAPI, domain: Domain = .inet) throws -> DatagramPair {
        let a = try api.open(domain, .dgram, domain == .local ? .default : .udp)
        let b = try api.open(domain, .dgram, domain == .local ? .default : .udp)
        try bindForTest(api, a, domain)
        try bindForTest(api, b, domain)
        return DatagramPair(api: api, a: a, b: b, addressA: try api.sockname(a), addressB: try api.sockname(b))
    }

    func close() {
        for s in [a, b] { try? api.close(s) }
    }
}

/// A listening TCP (or Unix stream) socket and its address.
struct Listener {
    let api: any SocketAPI
    let socket: Socket
    let address: SocketAddress

    static func make(_ api: any SocketAPI, domain: Domain = .inet, backlog: Int = 16) throws -> Listener {
        let l = try api.open(domain, .stream, domain == .local ? .default : .tcp)
        try bindForTest(api, l, domain)
        try api.listen(l, backlog: backlog)
        return Listener(api: api, socket: l, address: try api.sockname(l))
    }

    /// A new client socket of the listener's domain (a local one bound to its own name, so
    /// the accepted side's peer is told apart).
    func newClient() throws -> Socket {
        let domain = address.domain
        let c = try api.open(domain, .stream, domain == .local ? .default : .tcp)
        if domain == .local { try api.bind(c, uniqueLocalAddress()) }
        return c
    }

    /// A new client socket connected to this listener (the connection is left to be accepted).
    func connectClient() async throws -> Socket {
        let c = try newClient()
        try await api.connect(c, address, timeout: .seconds(5))
        return c
    }

    /// Connects clients to this listener (made with backlog 0) until one cannot complete:
    /// the backlog is full and further SYNs are dropped, so a new connect stays pending
    /// (until the backlog is drained and the SYN resent, about a second later). The clients
    /// that connected are appended to `fillers`; the one that did not is closed.
    func fillBacklog(_ fillers: inout [Socket]) async throws -> Bool {
        for _ in 0..<8 {
            let c = try newClient()
            do {
                try await api.connect(c, address, timeout: .milliseconds(200))
                fillers.append(c)
            } catch {
                try? api.close(c)
                return error == .timeout
            }
        }
        return false
    }
}

extension Result {
    /// The error of a failure, nil for a success.
    var failureValue: Failure? { if case .failure(let e) = self { return e } else { return nil } }
}

/// Bytes of a recognisable pattern: `count` bytes starting at stream offset `offset`.
/// The pattern repeats every 65521 bytes (a prime, so it never lines up with buffer sizes).
func patternBytes(_ offset: Int, _ count: Int) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(count)
    var k = offset % patternPeriod.count
    while out.count < count {
        let n = min(count - out.count, patternPeriod.count - k)
        out.append(contentsOf: patternPeriod[k..<(k + n)])
        k = 0
    }
    return out
}

/// One period of the test pattern.
let patternPeriod: [UInt8] = (0..<65521).map { k in
    let x = (UInt64(k) &+ 1) &* 0x9E37_79B9_7F4A_7C15
    return UInt8(truncatingIfNeeded: (x ^ (x >> 29)) >> 24)
}

/// Makes a send from `sender` to `receiver` block after a few tens of KiB (small kernel
/// buffers), so tests of waiting sends need little data.
func shrinkBuffers(_ api: any SocketAPI, sender: Socket, receiver: Socket) throws {
    try api.setopt(sender, .sndbuf, .int(16384))
    try api.setopt(receiver, .rcvbuf, .int(16384))
}
