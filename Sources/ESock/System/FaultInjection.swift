#if DEBUG
import Synchronization

/// The fault-injection seam of the system-call layer (debug and test builds only).
///
/// A test arms a fault for one call site and, usually, one descriptor; the next matching
/// call (or io_uring completion) then fails the way the kernel would have made it fail,
/// without the kernel being asked. Faults are consumed in the order they were armed. Scoping
/// by descriptor keeps tests that run in parallel out of each other's way.
package enum FaultInjection {
    /// Where a fault can be injected (see ``FaultSite``).
    package typealias Site = FaultSite
    /// Which io_uring operation a ``FaultSite/completion(_:)`` fault completes.
    package typealias CompletionKind = FaultSite.CompletionKind

    /// What the faulty call does instead.
    package enum Fault: Sendable, Equatable {
        /// Fails with this errno (a completion gets `-errno`).
        case errno(Errno)
        /// A send writes at most this many bytes (a short write).
        case short(Int)
        /// The completion queue overflowed: the submission fails with EBUSY.
        case overflow
    }

    private struct Armed {
        let site: Site
        let fd: Int32?
        var fault: Fault
        var remaining: Int
    }

    private static let armed = Lock<[Armed]>([])
    /// Whether anything is armed: the fast check every call makes first.
    private static let any = Atomic<Bool>(false)

    /// Makes the next `times` calls at `site` (on descriptor `fd`, or any when nil) fail
    /// with `fault`.
    package static func inject(_ fault: Fault, at site: Site, fd: Int32? = nil, times: Int = 1) {
        armed.withLock { $0.append(Armed(site: site, fd: fd, fault: fault, remaining: times)) }
        any.store(true, ordering: .sequentiallyConsistent)
    }

    /// Removes every armed fault (for `fd`, or all when nil).
    package static func clear(fd: Int32? = nil) {
        armed.withLock { a in
            a.removeAll { fd == nil || $0.fd == fd }
            if a.isEmpty { any.store(false, ordering: .sequentiallyConsistent) }
        }
    }

    /// How many armed faults have not fired yet (for `fd`, or all when nil).
    package static func pending(fd: Int32? = nil) -> Int {
        armed.withLock { a in a.filter { fd == nil || $0.fd == fd }.reduce(0) { $0 + $1.remaining } }
    }

    /// The fault to apply to this call, if one is armed for it (consumes it).
    static func take(_ site: Site, fd: Int32) -> Fault? {
        guard any.load(ordering: .relaxed) else { return nil }
        return armed.withLock { a -> Fault? in
            guard let i = a.firstIndex(where: { $0.site == site && ($0.fd == nil || $0.fd == fd) }) else { return nil }
            let f = a[i].fault
            a[i].remaining -= 1
            if a[i].remaining <= 0 { a.remove(at: i) }
            if a.isEmpty { any.store(false, ordering: .sequentiallyConsistent) }
            return f
        }
    }
}
#endif
