import ESock
import Synchronization

/// What the echo server counts, shared by every connection task.
final class ServerStats: Sendable {
    /// Connections accepted.
    let accepted = Atomic<Int>(0)
    /// Connections being served now.
    let active = Atomic<Int>(0)
    /// Bytes received.
    let bytesIn = Atomic<Int>(0)
    /// Bytes sent back.
    let bytesOut = Atomic<Int>(0)
    /// Connections the peer reset (ECONNRESET, EPIPE): expected under churn, not errors.
    let resets = Atomic<Int>(0)
    /// Anything else that went wrong (accept failures, unexpected socket errors).
    let errors = Atomic<Int>(0)
    /// The first few unexpected errors, for the summary.
    private let firstErrors = Lock<[String]>([])

    init() {}

    /// Counts an unexpected error and keeps its text if it is among the first few.
    func recordError(_ text: String) {
        errors.add(1, ordering: .relaxed)
        firstErrors.withLock { if $0.count < 5 { $0.append(text) } }
    }

    /// The first unexpected errors seen.
    var errorSamples: [String] { firstErrors.withLock { $0 } }

    /// A point-in-time copy for reports.
    var snapshot: ServerSummary {
        ServerSummary(connections: accepted.load(ordering: .relaxed),
                      bytesIn: bytesIn.load(ordering: .relaxed),
                      bytesOut: bytesOut.load(ordering: .relaxed),
                      resets: resets.load(ordering: .relaxed),
                      errors: errors.load(ordering: .relaxed))
    }
}

/// The server's totals, as the summary prints them.
struct ServerSummary: Codable, Sendable {
    var connections: Int
    var bytesIn: Int
    var bytesOut: Int
    var resets: Int
    var errors: Int

    /// What was counted after `earlier`.
    func since(_ earlier: ServerSummary) -> ServerSummary {
        ServerSummary(connections: connections - earlier.connections, bytesIn: bytesIn - earlier.bytesIn,
                      bytesOut: bytesOut - earlier.bytesOut, resets: resets - earlier.resets,
                      errors: errors - earlier.errors)
    }
}
