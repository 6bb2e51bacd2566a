import ESock
import Synchronization

/// Counts connections down to zero and wakes the one task waiting for that: the run's end
/// without a task per connection.
final class Countdown: Sendable {
    private let remaining: Atomic<Int>
    private let waiter = Lock<(zero: Bool, continuation: CheckedContinuation<Void, Never>?)>((false, nil))

    init(_ count: Int) {
        remaining = Atomic(count)
        if count == 0 { waiter.withLock { $0.zero = true } }
    }

    /// Whether every connection has finished.
    var isZero: Bool { remaining.load(ordering: .acquiring) <= 0 }

    /// One connection finished (each calls this once).
    func done() {
        guard remaining.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 else { return }
        release()
    }

    /// Wakes the waiter now, whatever the count: the run's last resort against a connection
    /// that never finishes.
    func release() {
        let c = waiter.withLock { w -> CheckedContinuation<Void, Never>? in
            w.zero = true
            defer { w.continuation = nil }
            return w.continuation
        }
        c?.resume()
    }

    /// Returns once the count has reached zero.
    func wait() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let zero = waiter.withLock { w -> Bool in
                if w.zero { return true }
                w.continuation = c
                return false
            }
            if zero { c.resume() }
        }
    }
}
