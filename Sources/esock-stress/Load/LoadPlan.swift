import ArgumentParser
import ESock

/// How the load generator uses each connection.
enum LoadMode: String, CaseIterable, ExpressibleByArgument, Sendable, Codable {
    /// Send `pipeline` requests of `size` bytes, wait for all of them to come back, repeat.
    case pingpong
    /// Stream `size`-byte chunks continuously, at most `pipeline` of them unanswered.
    case bulk
}

/// What every connection of one run shares: the schedule, sizes and the byte pattern.
struct LoadPlan: Sendable {
    let mode: LoadMode
    let size: Int
    let pipeline: Int
    /// Requests completing from here on are measured...
    let measureStart: ContinuousClock.Instant
    /// ...up to here; no new request starts after it.
    let end: ContinuousClock.Instant
    /// The longest a connection may wait for the next echoed bytes before it counts as failed.
    let ioTimeout: Duration
    let pattern: Pattern
}
