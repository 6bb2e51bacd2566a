import Foundation
import Testing
@testable import ESock

/// The seeded model test: random sequences of socket operations from a seed, on both
/// backends, checked against the semantics the README states (see ``ModelRun``).
///
/// Replay one seed with `ESOCK_MODEL_SEED=N swift test --filter Model`; a failure prints
/// the backend, the seed and the step trace.
@Suite(.serialized) struct ModelTests {
    /// How long one seed may take before the run counts as hung.
    static let seedLimit: Duration = .seconds(60)

    @Test("seeded model of the socket semantics", arguments: TestBackends.all)
    func model(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let config = ModelConfig.fromEnvironment()
        let started = ContinuousClock.now
        // The Swift runtime opens timer descriptors of its own as timed waits need them (the
        // README's churn output shows them too): those are not counted.
        let counted = { ModelChecks.openDescriptors().filter { $0 != "anon_inode:[timerfd]" } }
        let descriptorsBefore = counted()
        var seeds = 0, operations = 0, bytes = 0, reordered = 0, failures = 0
        for seed in config.seeds {
            let steps = ModelStep.generate(seed: seed, count: config.steps, config: config)
            let trace = ModelTrace()
            // withinLimit records the hang; the issue below adds the seed and the trace.
            let outcome = try await withinLimit(Self.seedLimit) {
                let run = try await ModelRun(api: api, seed: seed, config: config, trace: trace)
                await run.run(steps)
                return Outcome(violations: run.violations, operations: run.operations,
                               bytes: run.bytesChecked, reordered: run.reordered)
            }
            seeds += 1
            let violations = outcome?.violations ?? ["hung: the seed did not finish within \(Self.seedLimit)"]
            operations += outcome?.operations ?? 0
            bytes += outcome?.bytes ?? 0
            reordered += outcome?.reordered ?? 0
            if !violations.isEmpty {
                failures += 1
                let steps = trace.all.joined(separator: "; ")
                Issue.record("""
                    model \(backend) seed \(seed): \(violations.joined(separator: " | "))
                    replay: ESOCK_MODEL_SEED=\(seed) swift test --filter Model
                    trace: \(steps)
                    """)
                print("ESOCK_MODEL_FAILED backend=\(backend) seed=\(seed)")
                if failures >= 3 { break }  // enough to go on; keep the output readable
            }
        }
        if config.checkDescriptorCount {
            let now = counted
            if !(await eventually(.seconds(3)) { now().count <= descriptorsBefore.count }) {
                var extra = now()
                for d in descriptorsBefore { if let i = extra.firstIndex(of: d) { extra.remove(at: i) } }
                Issue.record("model \(backend): \(now().count) descriptors open, \(descriptorsBefore.count) before; new: \(extra)")
            }
        }
        let seconds = Double((ContinuousClock.now - started).components.attoseconds) / 1e18
            + Double((ContinuousClock.now - started).components.seconds)
        print("ESOCK_MODEL_SUMMARY backend=\(backend) seeds=\(seeds) operations=\(operations) bytes=\(bytes) "
              + "reordered=\(reordered) failures=\(failures) seconds=\(String(format: "%.1f", seconds))")
    }

    struct Outcome: Sendable {
        let violations: [String]
        let operations: Int
        let bytes: Int
        let reordered: Int
    }
}
