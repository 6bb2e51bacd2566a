#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Which I/O backend runs a socket's operations.
public enum Backend: String, Sendable, Hashable, CaseIterable {
    /// io_uring, completion semantics: `nowait` calls return ``CompletionInfo`` and the result
    /// arrives in a `completion` message.
    case uring
    /// epoll, select semantics: `nowait` calls return ``SelectInfo``, a `select` message says
    /// "ready, call again".
    case poll
    /// io_uring where the kernel and sandbox allow it, else poll (``BackendInfo/reason`` says why).
    case auto

    /// The process default: `ESOCK_BACKEND` (`uring`, `poll` or `auto`) if set, else `.auto`.
    public static var processDefault: Backend {
        guard let v = getenv("ESOCK_BACKEND").map({ String(cString: $0).lowercased() }), !v.isEmpty else {
            return .auto
        }
        return Backend(rawValue: v) ?? .auto
    }

    /// The value of `ESOCK_BACKEND` when it is set but not a backend name.
    static var invalidEnvironment: String? {
        guard let v = getenv("ESOCK_BACKEND").map({ String(cString: $0) }), !v.isEmpty,
              Backend(rawValue: v.lowercased()) == nil else { return nil }
        return v
    }
}

/// What `info()` says about the backend in use.
public struct BackendInfo: Sendable, CustomStringConvertible {
    /// The backend that was asked for.
    public let requested: Backend
    /// The backend in use (`.uring` or `.poll`).
    public let backend: Backend
    /// Why this backend was chosen, for example
    /// `io_uring unavailable: EPERM (kernel.io_uring_disabled=2); using poll`.
    public let reason: String
    /// Details of the mechanism (setup flags, ...).
    public let details: [String: String]
    /// Open sockets in the registry.
    public let sockets: Int
    /// The loop threads of this backend group (see ``EventLoops``).
    public let loops: Int
    /// The process's open sockets by domain, type and protocol (OTP's `info()` counters).
    public let counters: GlobalSocketCounters
    /// The most buffers one `sendmsg`/`recvmsg` takes (OTP's `iov_max`).
    public let iovMax: Int
    /// Whether new sockets join the registry by default (OTP's `use_registry`).
    public let useRegistry: Bool

    public var description: String {
        var s = "backend: \(backend.rawValue) (requested \(requested.rawValue)): \(reason)"
        s += "\n  loops: \(loops)"
        s += "\n  iov_max: \(iovMax)\n  use_registry: \(useRegistry)"
        s += "\n  counters: #{" + counters.named.map { "\($0.0) => \($0.1)" }.joined(separator: ", ") + "}"
        for (k, v) in details.sorted(by: { $0.key < $1.key }) { s += "\n  \(k): \(v)" }
        return s
    }
}

/// The process-wide loop groups: per backend and loop count, started on first use and kept
/// for the life of the process (a thread that submitted io_uring requests must outlive them).
enum Engines {
    private struct Key: Hashable {
        let kind: Backend
        let loops: Int
    }

    private static let groups = Lock<[Key: LoopGroup]>([:])

    /// The poll group with `loops` loops.
    static func poll(loops: Int) throws(SocketError) -> LoopGroup {
        try group(Key(kind: .poll, loops: loops)) { g, i throws(SocketError) in try PollEngine(group: g, index: i) }
    }

    /// The uring group with `loops` loops; throws where io_uring is unavailable.
    static func uring(loops: Int) throws(SocketError) -> LoopGroup {
        let probe = URingProbe.current
        if let why = probe.unavailable {
            throw .invalid(.backend(why))
        }
        return try group(Key(kind: .uring, loops: loops)) { g, i throws(SocketError) in
            try URingEngine(probe: probe, group: g, index: i)
        }
    }

    private static func group(_ key: Key,
                              _ make: (LoopGroup, Int) throws(SocketError) -> any Engine) throws(SocketError) -> LoopGroup {
        try groups.withLock { g throws(SocketError) -> LoopGroup in
            if let existing = g[key] { return existing }
            let made = try LoopGroup(kind: key.kind, count: key.loops, make: make)
            g[key] = made
            return made
        }
    }

    /// The group for `backend`.
    static func resolve(_ backend: Backend, loops: Int) throws(SocketError) -> LoopGroup {
        switch backend {
        case .poll:
            return try poll(loops: loops)
        case .uring:
            return try uring(loops: loops)
        case .auto:
            let probe = URingProbe.current
            if let why = probe.unavailable {
                if probe.isResourceError { throw .invalid(.backend(why)) }
                return try poll(loops: loops)
            }
            return try uring(loops: loops)
        }
    }

    /// Why `requested` resolved to `kind` (for ``BackendInfo/reason``).
    static func reason(requested: Backend, kind: Backend) -> String {
        switch requested {
        case .poll: return "poll requested"
        case .uring: return "uring requested"
        case .auto:
            let probe = URingProbe.current
            if kind == .poll { return "\(probe.unavailable ?? "io_uring unavailable"); using poll" }
            let flags = probe.setupFlagNames.isEmpty ? "no setup flags" : probe.setupFlagNames.joined(separator: "|")
            return "io_uring available (\(flags)); using uring"
        }
    }
}
