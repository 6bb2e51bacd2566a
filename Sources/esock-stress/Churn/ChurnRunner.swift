import ESock
import Synchronization

/// What a `churn` run is asked to do.
struct ChurnConfig: Sendable {
    var backend: Backend?
    var connections: Int
    var rounds: Int
    var duration: Double
    var maxSize: Int
    var timeout: Timeout = .seconds(5)
}

/// What churn found.
struct ChurnReport: Codable, Sendable {
    var backend: String
    var workers: Int
    var roundsPerWorker: Int
    var elapsedSeconds: Double
    /// Connections opened, used and closed.
    var connections: Int
    var connectionsPerSecond: Double
    var faults: [String: Int]
    var bytesVerified: Int
    var abortsExpected: Int
    var abortsDelivered: Int
    /// Cancels that found the recv already finished (nothing to cancel; the data still checked).
    var cancelsSkipped: Int
    /// Cancels made after the echo had time to arrive (racing a finished operation).
    var lateCancels: Int
    var server: ServerSummary
    var descriptorsBefore: Int?
    var descriptorsAfter: Int?
    /// timerfds libdispatch opened during the run (not compared: see ``ChurnRunner``).
    var runtimeTimers: Int
    var socketDescriptorsBefore: Int
    var socketDescriptorsAfter: Int
    var registeredBefore: Int
    var registeredAfter: Int
    var violations: Int
    /// The first violations, in words.
    var violationSamples: [String]

    var text: String {
        let order = ChurnFault.allCases.map(\.rawValue)
        let faultText = order.compactMap { f in faults[f].map { "\(f) \(Format.grouped($0))" } }.joined(separator: ", ")
        var lines = [
            "esock-stress churn: backend \(backend), \(workers) concurrent connections x \(roundsPerWorker) rounds",
            "  connections  \(Format.grouped(connections)) in \(Format.fixed(elapsedSeconds, 2)) s (\(Format.grouped(Int(connectionsPerSecond.rounded())))/s)",
            "  faults       \(faultText)",
            "  aborts       \(abortsExpected) expected, \(abortsDelivered) delivered",
            "  cancels      \(faults[ChurnFault.cancel.rawValue] ?? 0): \(lateCancels) after the echo arrived, "
                + "\(cancelsSkipped) found the data already there (nothing to cancel)",
            "  bytes        \(Format.grouped(bytesVerified)) verified",
            "  server       \(server.connections) accepted, \(server.resets) resets, \(server.errors) errors",
            "  descriptors  \(descriptorsBefore.map(String.init) ?? "?") before, \(descriptorsAfter.map(String.init) ?? "?") after"
                + (runtimeTimers > 0 ? " (\(runtimeTimers) new timerfd of the runtime)" : "")
                + "; sockets \(socketDescriptorsBefore) before, \(socketDescriptorsAfter) after; "
                + "registered \(registeredBefore) before, \(registeredAfter) after",
            "  violations   \(violations)",
        ]
        lines += violationSamples.map { "    \($0)" }
        return lines.joined(separator: "\n")
    }
}

/// Opens, uses and closes many connections at once against an in-process echo server, with
/// faults mixed in, and checks the invariants: no data lost, every abort delivered, no
/// message after cancel, no descriptor or socket leaked.
enum ChurnRunner {
    static func run(_ config: ChurnConfig) async throws(CLIFailure) -> ChurnReport {
        let api = try Backends.api(config.backend)
        let server = try EchoServer(api: api, host: .loopback, port: 0, mode: .echo)
        let serving = Task { await server.run() }
        let address = SocketAddress.inet(.loopback, port: server.port)
        let pattern = Pattern(maxChunk: config.maxSize)
        let violations = Violations()
        let violation = violations.record

        // One round of each fault before counting descriptors: the engine, the concurrency
        // runtime and Dispatch open theirs (timers, eventfds) lazily on first use.
        for fault in ChurnFault.allCases {
            let round = ChurnRound(api: api, address: address, domain: .inet, pattern: pattern, seed: 0,
                                   size: min(64, config.maxSize), fault: fault, timeout: config.timeout)
            do { _ = try await round.run() } catch { violation("warm-up round (\(fault.rawValue)): \(error)") }
        }
        _ = await settle(upTo: .seconds(3)) { server.stats.active.load(ordering: .relaxed) == 0 }
        let warm = server.stats.snapshot
        let warmupConnections = warm.connections
        let fdsBefore = ProcessStats.openDescriptors()
        let targetsBefore = ProcessStats.descriptorTargets()
        let registeredBefore = SocketRegistry.numberOf()

        let start = ContinuousClock.now
        let deadline = start + .milliseconds(Int(config.duration * 1000))
        var total = ChurnRound.Outcome()
        var faults: [String: Int] = [:]
        var connections = 0
        await withTaskGroup(of: (ChurnRound.Outcome, [String: Int], Int).self) { group in
            for w in 0..<config.connections {
                group.addTask {
                    var out = ChurnRound.Outcome()
                    var counts: [String: Int] = [:]
                    var made = 0
                    for r in 0..<config.rounds where ContinuousClock.now < deadline {
                        let fault = ChurnFault.allCases[(w + r) % ChurnFault.allCases.count]
                        let size = 1 + (w &* 7919 &+ r &* 104_729) % config.maxSize
                        let round = ChurnRound(api: api, address: address, domain: .inet, pattern: pattern,
                                               seed: w + r, size: size, fault: fault, timeout: config.timeout)
                        made += 1
                        counts[fault.rawValue, default: 0] += 1
                        do {
                            let o = try await round.run()
                            out.bytesVerified += o.bytesVerified
                            out.abortsExpected += o.abortsExpected
                            out.abortsDelivered += o.abortsDelivered
                            out.cancelsSkipped += o.cancelsSkipped
                            out.lateCancels += o.lateCancels
                            out.quietMailboxes += o.quietMailboxes
                        } catch {
                            violation("worker \(w) round \(r) (\(fault.rawValue)): \(error)")
                            if fault == .closePending { out.abortsExpected += 1 }
                        }
                    }
                    return (out, counts, made)
                }
            }
            for await (o, counts, made) in group {
                total.bytesVerified += o.bytesVerified
                total.abortsExpected += o.abortsExpected
                total.abortsDelivered += o.abortsDelivered
                total.cancelsSkipped += o.cancelsSkipped
                total.lateCancels += o.lateCancels
                total.quietMailboxes += o.quietMailboxes
                faults.merge(counts, uniquingKeysWith: +)
                connections += made
            }
        }
        let elapsed = start.duration(to: .now).seconds

        // Late messages: give stragglers a moment, then every mailbox that got its abort, or
        // whose recv was cancelled, must be empty.
        try? await Task.sleep(for: .milliseconds(100))
        for mb in total.quietMailboxes {
            if let m = mb.tryReceive() { violation("a message arrived after abort or cancel: \(m)") }
        }

        // The server must have seen every connection; the clients closed them all, so its
        // connection tasks end on their own.
        let accepted = await settle(upTo: .seconds(3)) {
            server.stats.accepted.load(ordering: .relaxed) - warmupConnections == connections
                && server.stats.active.load(ordering: .relaxed) == 0
        }
        if !accepted {
            violation("server accepted \(server.stats.accepted.load(ordering: .relaxed) - warmupConnections) of "
                + "\(connections) connections, \(server.stats.active.load(ordering: .relaxed)) still open")
        }

        // Descriptors and registered sockets back to where they were, the listener still
        // open (uring closes a descriptor only after its last kernel operation ended: allow
        // a moment). Timer descriptors are left out of the comparison: libdispatch opens a
        // timerfd per clock and priority on first use, whichever task first needs one.
        var targetsAfter = ProcessStats.descriptorTargets()
        _ = await settle(upTo: .seconds(3)) {
            targetsAfter = ProcessStats.descriptorTargets()
            return Self.withoutTimers(targetsAfter) == Self.withoutTimers(targetsBefore)
                && SocketRegistry.numberOf() == registeredBefore
        }
        let fdsAfter = ProcessStats.openDescriptors()
        if Self.withoutTimers(targetsAfter) != Self.withoutTimers(targetsBefore) {
            let new = targetsAfter.filter { targetsBefore[$0.key] != $0.value }.sorted { $0.key < $1.key }
                .map { "\($0.key) -> \($0.value)" }
            violation("descriptor leak: \(targetsBefore.count) open before, \(targetsAfter.count) after"
                + (new.isEmpty ? "" : " (new: " + new.joined(separator: ", ") + ")"))
        }
        let registeredAfter = SocketRegistry.numberOf()
        if registeredAfter != registeredBefore {
            violation("socket leak: \(registeredBefore) registered before, \(registeredAfter) after")
        }

        server.stop()
        await serving.value
        let summary = server.stats.snapshot.since(warm)
        for e in server.stats.errorSamples { violation("server: \(e)") }
        if summary.errors > server.stats.errorSamples.count {
            violation("server: \(summary.errors - server.stats.errorSamples.count) more errors")
        }
        if total.abortsDelivered != total.abortsExpected {
            violation("\(total.abortsExpected) aborts expected, \(total.abortsDelivered) delivered")
        }

        let v = violations.snapshot
        return ChurnReport(
            backend: api.backend.rawValue, workers: config.connections, roundsPerWorker: config.rounds,
            elapsedSeconds: elapsed, connections: connections,
            connectionsPerSecond: elapsed > 0 ? Double(connections) / elapsed : 0, faults: faults,
            bytesVerified: total.bytesVerified, abortsExpected: total.abortsExpected,
            abortsDelivered: total.abortsDelivered, cancelsSkipped: total.cancelsSkipped, lateCancels: total.lateCancels, server: summary,
            descriptorsBefore: fdsBefore, descriptorsAfter: fdsAfter,
            runtimeTimers: (targetsAfter.count - Self.withoutTimers(targetsAfter).count)
                - (targetsBefore.count - Self.withoutTimers(targetsBefore).count),
            socketDescriptorsBefore: Self.sockets(targetsBefore), socketDescriptorsAfter: Self.sockets(targetsAfter), registeredBefore: registeredBefore,
            registeredAfter: registeredAfter, violations: v.count, violationSamples: v.samples)
    }

    /// The descriptors that are not timerfds.
    private static func withoutTimers(_ targets: [Int32: String]) -> [Int32: String] {
        targets.filter { $0.value != "anon_inode:[timerfd]" }
    }

    /// Sockets among `targets`.
    private static func sockets(_ targets: [Int32: String]) -> Int {
        targets.values.filter { $0.hasPrefix("socket:") }.count
    }

    /// Polls `condition` every 10 ms for up to `limit`; returns whether it became true.
    private static func settle(upTo limit: Duration, _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while true {
            if condition() { return true }
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }
}

/// The violations found so far, from any task.
private final class Violations: Sendable {
    private let state = Lock<(count: Int, samples: [String])>((0, []))
    init() {}
    /// Counts a violation and keeps its text among the first ten.
    @Sendable func record(_ text: String) {
        state.withLock { v in
            v.count += 1
            if v.samples.count < 10 { v.samples.append(text) }
        }
    }
    var snapshot: (count: Int, samples: [String]) { state.withLock { $0 } }
}
