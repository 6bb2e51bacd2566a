import ArgumentParser
import ESock
import Histogram
import Synchronization

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
    /// The longest any single send or receive may take before the connection counts as failed.
    let ioTimeout: Timeout
    let pattern: Pattern
}

/// What every connection of a run adds to: the counts the progress display reads while the
/// run goes on, and the one latency histogram.
final class LiveCounters: Sendable {
    let requests = Atomic<Int>(0)
    let errors = Atomic<Int>(0)
    private let histogram = Lock(Histogram<UInt64>(highestTrackableValue: Tally.maxLatency,
                                                    numberOfSignificantValueDigits: .three))
    init() {}

    /// Adds a batch of latencies (nanoseconds).
    func record(_ latencies: [UInt64]) {
        histogram.withLock { h in for ns in latencies { _ = h.record(ns) } }
    }

    /// The latencies recorded so far.
    var latencies: Histogram<UInt64> { histogram.withLock { $0 } }
}

/// What one connection measured. Latencies go to the shared histogram in batches, so a
/// connection costs a few KiB, not a histogram of its own.
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
        if pending.capacity < Tally.batch { pending.reserveCapacity(Tally.batch) }
        pending.append(min(ns, Tally.maxLatency))
        requests += 1
        if pending.count >= Tally.batch { flush(into: live) }
    }

    /// Hands the pending latencies to the shared histogram.
    mutating func flush(into live: LiveCounters) {
        guard !pending.isEmpty else { return }
        live.record(pending)
        pending.removeAll(keepingCapacity: true)
    }
}

/// Why a connection stopped: a socket error or bytes that were not what was sent.
struct LoadFailure: Error {
    let kind: String
    let tally: Tally
}

/// Drives one connection for the whole run.
struct LoadConnection: Sendable {
    let api: any SocketAPI
    let socket: Socket
    /// The connection's number, also its pattern seed.
    let index: Int
    let plan: LoadPlan
    let live: LiveCounters

    /// Runs to the end of the plan (or the first error) and returns what was measured.
    func run() async -> Tally {
        var t: Tally
        do {
            switch plan.mode {
            case .pingpong: t = try await pingPong()
            case .bulk: t = try await bulk()
            }
        } catch let f as LoadFailure {
            live.errors.add(1, ordering: .relaxed)
            t = f.tally
            t.error = f.kind
        } catch {
            live.errors.add(1, ordering: .relaxed)
            t = Tally()
            t.error = "\(error)"
        }
        t.flush(into: live)
        return t
    }

    /// Lock-step batches of `pipeline` requests.
    private func pingPong() async throws -> Tally {
        var tally = Tally()
        let batch = plan.size * plan.pipeline
        var offset = 0
        while ContinuousClock.now < plan.end {
            let sentAt = ContinuousClock.now
            do {
                try await api.send(socket, plan.pattern.bytes(offset: offset, seed: index, count: batch),
                                   timeout: plan.ioTimeout)
            } catch {
                throw LoadFailure(kind: "send: " + Describe.kind(error), tally: tally)
            }
            var got = 0
            var answered = 0
            while got < batch {
                let data: [UInt8]
                do {
                    data = try await api.recv(socket, length: 0, timeout: plan.ioTimeout)
                } catch {
                    throw LoadFailure(kind: "recv: " + Describe.kind(error), tally: tally)
                }
                guard got + data.count <= batch else {
                    throw LoadFailure(kind: "more bytes echoed than sent", tally: tally)
                }
                guard plan.pattern.matches(data, offset: offset + got, seed: index) else {
                    throw LoadFailure(kind: "echoed bytes differ from those sent", tally: tally)
                }
                got += data.count
                tally.bytesVerified += data.count
                let now = ContinuousClock.now
                while answered < plan.pipeline && got >= (answered + 1) * plan.size {
                    tally.record(sentAt.duration(to: now), at: now, plan: plan, live: live)
                    answered += 1
                }
            }
            offset += batch
        }
        return tally
    }

    /// A writer and a reader on the same socket, at most `pipeline` chunks unanswered.
    private func bulk() async throws -> Tally {
        let window = plan.pipeline
        let size = plan.size
        let (credits, grant) = AsyncStream<Int>.makeStream(bufferingPolicy: .unbounded)
        // Chunk k's send time sits in slot k % window; the reader frees a slot (by granting
        // chunk k + window) only after reading it, so the writer never overwrites it early.
        let sendTimes = SendTimes(window)
        for k in 0..<window { grant.yield(k) }

        return try await withThrowingTaskGroup(of: Tally?.self) { group in
            group.addTask { [api, socket, plan, index, sendTimes] in
                for await k in credits {
                    let data = plan.pattern.bytes(offset: k * size, seed: index, count: size)
                    sendTimes.set(k % window)
                    do throws(SocketError) {
                        try await api.send(socket, data, timeout: plan.ioTimeout)
                    } catch {
                        throw LoadFailure(kind: "send: " + Describe.kind(error), tally: Tally())
                    }
                }
                return nil
            }
            group.addTask { [api, socket, plan, index, live, sendTimes] in
                defer { grant.finish() }
                var tally = Tally()
                var issued = window
                var completed = 0
                var offset = 0
                while completed < issued {
                    let data: [UInt8]
                    do throws(SocketError) {
                        data = try await api.recv(socket, length: 0, timeout: plan.ioTimeout)
                    } catch {
                        throw LoadFailure(kind: "recv: " + Describe.kind(error), tally: tally)
                    }
                    guard offset + data.count <= issued * size else {
                        throw LoadFailure(kind: "more bytes echoed than sent", tally: tally)
                    }
                    guard plan.pattern.matches(data, offset: offset, seed: index) else {
                        throw LoadFailure(kind: "echoed bytes differ from those sent", tally: tally)
                    }
                    offset += data.count
                    tally.bytesVerified += data.count
                    let now = ContinuousClock.now
                    while (completed + 1) * size <= offset {
                        let sentAt = sendTimes.get(completed % window)
                        tally.record(sentAt.duration(to: now), at: now, plan: plan, live: live)
                        completed += 1
                        if now < plan.end {
                            grant.yield(issued)
                            issued += 1
                        }
                    }
                }
                return tally
            }

            var result: Tally?
            var failure: LoadFailure?
            while true {
                do {
                    guard let r = try await group.next() else { break }
                    if let r { result = r }
                } catch let f as LoadFailure {
                    group.cancelAll()
                    grant.finish()
                    // Keep the first reason, and the reader's measurements whichever failed first.
                    if failure == nil { failure = f }
                    if f.tally.bytesVerified > 0 || f.tally.requests > 0 {
                        failure = LoadFailure(kind: failure!.kind, tally: f.tally)
                    }
                }
            }
            if let failure { throw failure }
            return result ?? Tally()
        }
    }
}

/// When each chunk in the bulk window was sent, shared by its writer and reader.
private final class SendTimes: Sendable {
    private let slots: Lock<[ContinuousClock.Instant]>
    init(_ count: Int) { slots = Lock(Array(repeating: .now, count: count)) }
    func set(_ slot: Int) { slots.withLock { $0[slot] = .now } }
    func get(_ slot: Int) -> ContinuousClock.Instant { slots.withLock { $0[slot] } }
}
