#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The socket registry: which sockets are open (OTP's `number_of/0`, `which_sockets/1`,
/// `use_registry/1`).
///
/// Whether a new socket is registered is decided, in order, by the socket's own
/// `useRegistry` option at open, then by ``useRegistry(_:)`` at run time, then by the
/// environment variable `ESOCK_USE_SOCKET_REGISTRY` read at start, then by the build
/// (package trait `SocketRegistry`, on by default).
///
/// The registry is sharded by socket id with one lock per shard, so opening and closing
/// sockets on many threads does not serialise on one lock.
public enum SocketRegistry {
    /// What ``whichSockets(_:)`` selects.
    public enum Filter: Sendable {
        case all
        case domain(Domain)
        case type(SocketType)
        case `protocol`(SocketProtocol)
        case owner(String)
        case predicate(@Sendable (Socket) -> Bool)

        func matches(_ s: Socket) -> Bool {
            switch self {
            case .all: return true
            case .domain(let d): return s.domain == d
            case .type(let t): return s.type == t
            case .protocol(let p): return s.protocol == p
            case .owner(let o): return s.owner == o
            case .predicate(let f): return f(s)
            }
        }
    }

    private static let shardCount = 16
    private final class Shard: Sendable {
        let sockets = Mutex<[UInt64: Socket]>([:])
    }
    private static let shards: [Shard] = (0..<shardCount).map { _ in Shard() }

    private static let defaultEnabled = Atomic<Bool>(initialDefault())

    private static func initialDefault() -> Bool {
        if let v = getenv("ESOCK_USE_SOCKET_REGISTRY").map({ String(cString: $0).lowercased() }) {
            if ["true", "1", "yes"].contains(v) { return true }
            if ["false", "0", "no"].contains(v) { return false }
        }
        #if SocketRegistry
        return true
        #else
        return false
        #endif
    }

    /// Whether new sockets are registered by default.
    public static var enabled: Bool { defaultEnabled.load(ordering: .relaxed) }

    /// Sets whether new sockets are registered by default (OTP's `use_registry/1`).
    public static func useRegistry(_ on: Bool) { defaultEnabled.store(on, ordering: .relaxed) }

    private static func shard(_ s: Socket) -> Shard { shards[Int(s.id % UInt64(shardCount))] }

    static func add(_ s: Socket) { shard(s).sockets.withLock { $0[s.id] = s } }
    static func remove(_ s: Socket) { _ = shard(s).sockets.withLock { $0.removeValue(forKey: s.id) } }

    /// The number of registered (open) sockets.
    public static func numberOf() -> Int {
        shards.reduce(0) { n, sh in n + sh.sockets.withLock { $0.count } }
    }

    /// The registered sockets that match `filter`, oldest first.
    public static func whichSockets(_ filter: Filter = .all) -> [Socket] {
        shards.flatMap { sh in sh.sockets.withLock { Array($0.values) } }
            .filter { filter.matches($0) }
            .sorted { $0.id < $1.id }
    }
}
