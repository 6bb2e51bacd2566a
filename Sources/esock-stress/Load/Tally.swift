import ESock
import Histogram
import Synchronization

/// What every connection of a run adds to: the counts the progress display reads while the
/// run goes on, and the one latency histogram.
final class LiveCounters: Sendable {
    let requests = Atomic<Int>(0)
    let errors = Atomic<Int>(0)
    private let histogram = Lock(Histogram<UInt64>(highestTrackableValue: Tally.maxLatency,
                                                    numberOfSignificantValueDigits: .three))
    init() {}

    /// Adds a batch of latencies (nanoseconds).
    func record(_ latencies: UnsafeBufferPointer<UInt64>) {
        histogram.withLock { h in for ns in latencies { _ = h.record(ns) } }
    }

    /// The latencies recorded so far.
    var latencies: Histogram<UInt64> { histogram.withLock { $0 } }
}

/// What one connection measured. Latencies go to the shared histogram in batches, so a
/// connection costs a few KiB, not a histogram of its own, and the shared lock is taken
/// once per batch rather than once per request.
struct Tally: Sendable {
    /// Measured latencies (nanoseconds) not yet added to the shared histogram.
    private var pending: [UInt64] = []
    /// Requests that completed inside the measured window.
    var requests = 0
    /// Echoed bytes received and checked (warm-up and tail included).
    var bytesVerified = 0
    /// Why the connection stopped early, if it did.
    var error: String?

    static let maxLatency: UInt64 = 60_000_000_000
    private static let batch = 256

    /// Counts a request that completed at `now` after `latency`.
    mutating func record(_ latency: Duration, at now: ContinuousClock.Instant, plan: LoadPlan, live: LiveCounters) {
        live.requests.add(1, ordering: .relaxed)
        guard now >= plan.measureStart, now <= plan.end else { return }
        let c = latency.components
        let ns = UInt64(max(0, c.seconds)) * 1_000_000_000 + UInt64(max(0, c.attoseconds) / 1_000_000_000)
        // Reserved once: appending never allocates on the hot path.
        if pending.capacity < Tally.batch { pending.reserveCapacity(Tally.batch) }
        pending.append(min(ns, Tally.maxLatency))
        requests += 1
        if pending.count >= Tally.batch { flush(into: live) }
    }

    /// Hands the pending latencies to the shared histogram.
    mutating func flush(into live: LiveCounters) {
        guard !pending.isEmpty else { return }
        pending.withUnsafeBufferPointer { live.record($0) }
        pending.removeAll(keepingCapacity: true)
    }
}
