import CESockLinux
#if canImport(Glibc)
import Glibc
#endif

/// How many loop threads each backend runs.
///
/// Every backend runs a group of loops: each loop owns its own io_uring ring (with its own
/// provided-buffer ring) or epoll set, a socket belongs to one loop for its life, and new and
/// accepted sockets are spread over the loops in turn. More loops let I/O use more cores.
///
/// ```swift
/// try EventLoops.configure(count: 4)   // before the first socketAPI() call
/// let api = try socketAPI(.uring)      // sockets spread over 4 loops
/// let one = try socketAPI(.uring, loops: 1)  // a separate group with one loop
/// ```
public enum EventLoops {
    private static let configured = Lock<Int?>(nil)

    /// Loops per backend for ``socketAPI(_:loops:)`` without an explicit count: the value
    /// given to ``configure(count:)``, else `ESOCK_LOOPS`, else one per CPU this process may
    /// run on (its affinity mask).
    public static var count: Int {
        if let n = configured.withLock({ $0 }) { return n }
        if let n = environment, case .success(let v) = n { return v }
        return availableCPUs
    }

    /// The most loops a group may have.
    public static let limit = 64

    /// Sets the number of loops per backend for groups not yet started. A group starts on
    /// the first ``socketAPI(_:loops:)`` call that needs it and keeps its loops for the
    /// life of the process; `count` must be in `1...limit`.
    public static func configure(count: Int) throws(SocketError) {
        guard (1...limit).contains(count) else {
            throw .invalid(.argument("loop count must be in 1...\(limit), got \(count)"))
        }
        configured.withLock { $0 = count }
    }

    /// The CPUs this process may run on (`sched_getaffinity`), at least 1.
    public static var availableCPUs: Int {
        max(1, min(limit, Int(esock_available_cpus())))
    }

    /// `ESOCK_LOOPS` parsed: nil when unset, a failure naming the bad value otherwise.
    static var environment: Result<Int, SocketError>? {
        guard let raw = getenv("ESOCK_LOOPS").map({ String(cString: $0) }), !raw.isEmpty else { return nil }
        guard let n = Int(raw), (1...limit).contains(n) else {
            return .failure(.invalid(.argument("ESOCK_LOOPS=\(raw) is not a loop count in 1...\(limit)")))
        }
        return .success(n)
    }
}
