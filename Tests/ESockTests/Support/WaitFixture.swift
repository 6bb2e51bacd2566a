import Testing
@testable import ESock

/// The operations a caller can wait in with `nowait`, for the cancel and close suites
/// (OTP's api_a_*_cancel and sc_* cases).
enum WaitOperation: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case accept, recv, recvmsgStream, recvfrom, recvmsgDatagram

    var tag: OperationTag {
        switch self {
        case .accept: return .accept
        case .recv: return .recv
        case .recvmsgStream, .recvmsgDatagram: return .recvmsg
        case .recvfrom: return .recvfrom
        }
    }

    var testDescription: String { rawValue }
}

/// A socket callers wait on for one kind of operation, and a way to make the thing they wait
/// for arrive: item `n` is a connection (accept) or the 6 bytes `item-n` (receives).
/// Items are named by strings so a test can check which caller got which, and that none was
/// lost.
final class WaitFixture: @unchecked Sendable {
    let api: any SocketAPI
    let backend: Backend
    let operation: WaitOperation
    /// The socket the callers wait on.
    let socket: Socket
    private var others: [Socket] = []
    private let peer: Socket?
    private let peerAddress: SocketAddress?
    private let listener: Listener?

    init(_ api: any SocketAPI, _ operation: WaitOperation, domain: Domain = .inet) async throws {
        self.api = api
        self.backend = api.backend
        self.operation = operation
        switch operation {
        case .accept:
            // A deep backlog: tests leave connections queued while callers cancel.
            let l = try Listener.make(api, domain: domain, backlog: 128)
            socket = l.socket
            listener = l
            peer = nil
            peerAddress = nil
        case .recv, .recvmsgStream:
            let p = try await StreamPair.make(api, domain: domain)
            socket = p.server
            peer = p.client
            others = [p.listener]
            listener = nil
            peerAddress = nil
        case .recvfrom, .recvmsgDatagram:
            let d = try DatagramPair.make(api, domain: domain)
            socket = d.a
            peer = d.b
            peerAddress = d.addressA
            listener = nil
        }
    }

    /// The name of item `n`.
    static func item(_ n: Int) -> String { "item-\(n % 10)" }

    /// Makes the next item available: a client connects, or the peer sends `item-n`.
    /// Returns the item's name.
    @discardableResult
    func trigger(_ n: Int) async throws -> String {
        switch operation {
        case .accept:
            let c = try listener!.newClient()
            others.append(c)
            try await api.connect(c, listener!.address, timeout: .seconds(5))
            return "\(try api.sockname(c))"
        case .recv, .recvmsgStream:
            try await api.send(peer!, Array(Self.item(n).utf8), timeout: .seconds(5))
            return Self.item(n)
        case .recvfrom, .recvmsgDatagram:
            try await api.sendto(peer!, Array(Self.item(n).utf8), to: peerAddress!, timeout: .seconds(5))
            return Self.item(n)
        }
    }

    /// The nowait call for `caller`: `.ok(item)` or pending with its info.
    func start(_ caller: Mailbox, handle: Handle? = nil) throws(SocketError) -> Nowait<String> {
        switch operation {
        case .accept: return map(try api.accept(socket, nowait: caller, handle: handle)) { self.name($0) }
        case .recv: return map(try api.recv(socket, length: 6, nowait: caller, handle: handle)) { Self.text($0) }
        case .recvmsgStream:
            return map(try api.recvmsg(socket, bufferSizes: [6], nowait: caller, handle: handle)) { Self.text($0.data) }
        case .recvfrom: return map(try api.recvfrom(socket, nowait: caller, handle: handle)) { Self.text($0.data) }
        case .recvmsgDatagram: return map(try api.recvmsg(socket, nowait: caller, handle: handle)) { Self.text($0.data) }
        }
    }

    /// The item an uring completion carries.
    func item(of status: CompletionStatus) -> String? {
        switch status {
        case .accepted(let s): return name(s)
        case .data(let d), .more(let d), .datagram(_, let d): return Self.text(d)
        case .message(let m): return Self.text(m.data)
        default: return nil
        }
    }

    /// Waits for `caller`'s pending operation `info` to deliver its item: on poll, calls
    /// again after each `select` (following new handles); on uring, reads the completion.
    /// Returns nil (with an issue) on a wrong message or none within the bound.
    func serve(_ caller: Mailbox, _ info: PendingInfo, within: Timeout = .seconds(5),
               sourceLocation: SourceLocation = #_sourceLocation) async throws -> String? {
        var handle = info.handle
        for _ in 0..<100 {
            let h = handle, s = socket
            guard let m = await caller.receive(timeout: within, where: { $0.socket === s && $0.handle == h }) else {
                Issue.record("no message for \(handle)", sourceLocation: sourceLocation)
                return nil
            }
            switch m {
            case .select:
                #expect(backend == .poll, "select on \(backend)", sourceLocation: sourceLocation)
                switch try start(caller) {
                case .ok(let item): return item
                case .select(let i, _): handle = i.handle
                case .completion(let i, _): Issue.record("completion on poll \(i)", sourceLocation: sourceLocation); return nil
                }
            case .completion(_, _, let status):
                #expect(backend == .uring, "completion on \(backend)", sourceLocation: sourceLocation)
                guard let item = item(of: status) else {
                    Issue.record("completion without an item: \(status)", sourceLocation: sourceLocation)
                    return nil
                }
                return item
            case .abort(_, _, let reason), .down(_, _, let reason):
                Issue.record("\(m): \(reason)", sourceLocation: sourceLocation)
                return nil
            }
        }
        Issue.record("no item after 100 selects", sourceLocation: sourceLocation)
        return nil
    }

    /// The next item through an awaiting call.
    func take(timeout: Timeout = .seconds(5)) async throws -> String {
        switch operation {
        case .accept: return name(try await api.accept(socket, timeout: timeout))
        case .recv: return Self.text(try await api.recv(socket, length: 6, timeout: timeout))
        case .recvmsgStream: return Self.text(try await api.recvmsg(socket, bufferSizes: [6], timeout: timeout).data)
        case .recvfrom: return Self.text(try await api.recvfrom(socket, timeout: timeout).data)
        case .recvmsgDatagram: return Self.text(try await api.recvmsg(socket, timeout: timeout).data)
        }
    }

    /// How many callers wait in the operation's direction.
    var waiting: Int {
        let i = api.info(socket)
        return operation == .accept ? i.numAcceptors : i.numReaders
    }

    /// The peer end (stream: the client; datagram: the other socket).
    var peerSocket: Socket? { peer }

    func close() {
        for s in others + [socket] + (peer.map { [$0] } ?? []) { try? api.close(s) }
    }

    private func name(_ s: Socket) -> String {
        defer { try? api.close(s) }
        return (try? api.peername(s)).map { "\($0)" } ?? "?"
    }

    private static func text(_ d: [UInt8]) -> String { String(decoding: d, as: UTF8.self) }

    private func map<V>(_ r: Nowait<V>, _ f: (V) -> String) -> Nowait<String> {
        switch r {
        case .ok(let v): return .ok(f(v))
        case .select(let i, let p): return .select(i, partial: p.map(f))
        case .completion(let i, let p): return .completion(i, partial: p.map(f))
        }
    }
}

/// A waiting operation on a domain: a third test dimension (Swift Testing takes at most two
/// argument collections, and the backend is the first).
struct WaitCase: Sendable, CustomTestStringConvertible {
    let operation: WaitOperation
    let domain: Domain

    var testDescription: String { "\(operation.rawValue) \(domain)" }

    /// Every operation in `operations` on every domain in `domains`.
    static func all(_ operations: [WaitOperation] = WaitOperation.allCases,
                    on domains: [Domain]) -> [WaitCase] {
        domains.flatMap { d in operations.map { WaitCase(operation: $0, domain: d) } }
    }
}
