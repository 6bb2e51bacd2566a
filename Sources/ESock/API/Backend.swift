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

    public var description: String {
        var s = "backend: \(backend.rawValue) (requested \(requested.rawValue)): \(reason)"
        for (k, v) in details.sorted(by: { $0.key < $1.key }) { s += "\n  \(k): \(v)" }
        return s
    }
}

/// The process-wide engines: one loop thread per backend, made on first use.
enum Engines {
    private static let state = Lock<(poll: PollEngine?, uring: URingEngine?)>((nil, nil))

    static func poll() throws(SocketError) -> PollEngine {
        try state.withLock { s throws(SocketError) -> PollEngine in
            if let e = s.poll { return e }
            let e = try PollEngine()
            s.poll = e
            return e
        }
    }

    static func uring() throws(SocketError) -> URingEngine {
        let probe = URingProbe.current
        if let why = probe.unavailable {
            throw .invalid(.backend(why))
        }
        return try state.withLock { s throws(SocketError) -> URingEngine in
            if let e = s.uring { return e }
            let e = try URingEngine(probe: probe)
            s.uring = e
            return e
        }
    }

    /// The engine for `backend`, and why it was chosen.
    static func resolve(_ backend: Backend) throws(SocketError) -> (any Engine, String) {
        switch backend {
        case .poll:
            return (try poll(), "poll requested")
        case .uring:
            return (try uring(), "uring requested")
        case .auto:
            let probe = URingProbe.current
            if let why = probe.unavailable {
                if probe.isResourceError { throw .invalid(.backend(why)) }
                return (try poll(), "\(why); using poll")
            }
            return (try uring(), "io_uring available (\(probe.setupFlagNames.isEmpty ? "no setup flags" : probe.setupFlagNames.joined(separator: "|"))); using uring")
        }
    }
}
