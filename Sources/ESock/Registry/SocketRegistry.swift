#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The socket registry: which sockets are open (OTP's `number_of/0`, `which_sockets/1`,
/// `use_registry/1`).
///
/// Whether a new socket is registered is decided, in order, by the socket's own
/// ``OpenOptions/useRegistry`` at open, then by ``useRegistry(_:)`` at run time, then by the
/// environment variable `ESOCK_USE_SOCKET_REGISTRY` (`true` or `false`) read when the
/// registry is first used, then by the build (package trait `SocketRegistry`, on by default,
/// like OTP's `--enable-esock-socket-registry`). A socket accepted on a listener is
/// registered when the listener is. The choice is fixed for the socket's life and readable
/// as `getopt(socket, {otp, use_registry})`.
///
/// A registered socket stays registered until it is closed. The registry does not keep a
/// socket alive: a socket dropped without close is closed when its last reference goes, and
/// leaves the registry then. The registry is sharded by socket id with one lock per shard, so opening and closing
/// sockets on many threads does not serialise on one lock; queries take each shard's lock
/// only to copy it, and run filters outside every lock.
public enum SocketRegistry {
    /// What ``whichSockets(_:)`` selects (OTP's `which_sockets/1` filters).
    public enum Filter: Sendable {
        /// Every registered socket.
        case all
        /// Sockets of this domain (OTP's `which_sockets(inet)`).
        case domain(Domain)
        /// Sockets of this type (`which_sockets(stream)`).
        case type(SocketType)
        /// Sockets of this protocol (`which_sockets(tcp)`).
        case `protocol`(SocketProtocol)
        /// Sockets this caller owns (`which_sockets(Pid)`).
        case owner(Mailbox)
        /// Sockets opened with this label.
        case label(String)
        /// Sockets for which the function answers true (`which_sockets(fun)`). It runs
        /// outside the registry's locks, so it may call the socket API.
        case predicate(@Sendable (Socket) -> Bool)
        /// Sockets that every filter selects.
        case allOf([Filter])

        func matches(_ s: Socket) -> Bool {
            switch self {
            case .all: return true
            case .domain(let d): return s.domain == d
            case .type(let t): return s.type == t
            case .protocol(let p): return s.protocol == p
            case .owner(let o): return s.owner === o
            case .label(let l): return s.label == l
            case .predicate(let f): return f(s)
            case .allOf(let fs): return fs.allSatisfy { $0.matches(s) }
            }
        }
    }

    private static let shardCount = 16

    /// A registered socket, held weakly: the registry lists open sockets, it does not keep
    /// them open (a dropped socket closes, and leaves the registry, in its deinit).
    private struct Entry {
        weak var socket: Socket?
    }

    private final class Shard: Sendable {
        let sockets = Lock<[UInt64: Entry]>([:])
        // Keeps neighbouring shards' locks off this one's cache line (shards are allocated
        // one after another, and a lock word that shares a line with another is contended
        // by both).
        private let padding: (Int, Int, Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0, 0, 0)
    }

    private static let shards: [Shard] = (0..<shardCount).map { _ in Shard() }

    private static let defaultEnabled = Atomic<Bool>(initialDefault())

    /// The environment's choice, else the build's.
    private static func initialDefault() -> Bool {
        environmentChoice(getenv("ESOCK_USE_SOCKET_REGISTRY").map { String(cString: $0) }) ?? buildDefault
    }

    /// What a value of `ESOCK_USE_SOCKET_REGISTRY` asks for; nil when unset or not a boolean.
    static func environmentChoice(_ value: String?) -> Bool? {
        switch value?.lowercased() {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: return nil
        }
    }

    /// The build's default (package trait `SocketRegistry`).
    static var buildDefault: Bool {
        #if SocketRegistry
        return true
        #else
        return false
        #endif
    }

    /// Whether new sockets are registered by default.
    public static var enabled: Bool { defaultEnabled.load(ordering: .relaxed) }

    /// Sets whether new sockets are registered by default (OTP's `use_registry/1`). Sockets
    /// already open keep their choice.
    public static func useRegistry(_ on: Bool) { defaultEnabled.store(on, ordering: .relaxed) }


    private static func shard(_ id: UInt64) -> Shard { shards[Int(id % UInt64(shardCount))] }

    static func add(_ s: Socket) { shard(s.id).sockets.withLock { $0[s.id] = Entry(socket: s) } }
    static func remove(_ s: Socket) { remove(id: s.id) }
    static func remove(id: UInt64) { _ = shard(id).sockets.withLock { $0.removeValue(forKey: id) } }

    /// The number of registered (open) sockets (OTP's `number_of/0`).
    public static func numberOf() -> Int {
        shards.reduce(0) { n, sh in n + sh.sockets.withLock { $0.count } }
    }

    /// The registered sockets that match `filter`, oldest first (OTP's `which_sockets/1`).
    public static func whichSockets(_ filter: Filter = .all) -> [Socket] {
        var all: [Socket] = []
        for sh in shards { sh.sockets.withLock { m in for e in m.values { if let s = e.socket { all.append(s) } } } }
        return all.filter { filter.matches($0) }.sorted { $0.id < $1.id }
    }
}
