import ESock
import Foundation

/// What a `compare` run is asked to do.
struct CompareConfig: Sendable {
    var backends: [Backend]
    var rounds: Int
    var duration: Double
    var warmup: Double
    var connections: Int
    var size: Int
    var pipeline: Int
    var mode: LoadMode
    var loadBackend: Backend?
    /// The servers' data path (`serve --path`).
    var path: ServePath = .stream
}

/// One backend's rounds and their medians.
struct BackendResult: Codable, Sendable {
    var backend: String
    /// The backend each round's server reported it ran on (from its summary line).
    var serverBackends: [String]
    var rounds: [LoadReport]
    var median: MedianResult
}

/// The medians over rounds, per metric.
struct MedianResult: Codable, Sendable {
    var requestsPerSecond: Double
    var megabytesPerSecond: Double
    var latencyMicroseconds: LatencySummary
    var serverCPUMicrosecondsPerRequest: Double?
    var errors: Int

    init(_ rounds: [LoadReport]) {
        requestsPerSecond = median(rounds.map(\.requestsPerSecond))
        megabytesPerSecond = median(rounds.map(\.megabytesPerSecond))
        let l = rounds.map(\.latencyMicroseconds)
        latencyMicroseconds = LatencySummary(p50: median(l.map(\.p50)), p90: median(l.map(\.p90)),
                                             p99: median(l.map(\.p99)), p999: median(l.map(\.p999)),
                                             max: median(l.map(\.max)), mean: median(l.map(\.mean)))
        let cpu = rounds.compactMap(\.serverCPUMicrosecondsPerRequest).filter(\.isFinite)
        serverCPUMicrosecondsPerRequest = cpu.isEmpty ? nil : median(cpu)
        errors = rounds.map(\.errors).reduce(0, +)
    }
}

/// The whole comparison: what `--json` prints.
struct CompareReport: Codable, Sendable {
    var connections: Int
    var size: Int
    var pipeline: Int
    var mode: LoadMode
    var durationSeconds: Double
    var warmupSeconds: Double
    var rounds: Int
    /// Where server and load generator ran, e.g. `server on CPU 0, load on CPU 1`.
    var placement: String
    var results: [BackendResult]
}

/// Runs each backend's server and a load generator against it, as child processes,
/// interleaving backends round by round.
enum CompareRunner {
    static func run(_ config: CompareConfig, log: (String) -> Void) async throws(CLIFailure) -> CompareReport {
        // An unavailable backend fails the run up front, with its reason.
        for b in config.backends {
            do {
                _ = try Backends.api(b)
            } catch {
                let others = config.backends.filter { $0 != b }.map(\.rawValue)
                throw CLIFailure(error.message + (others.isEmpty ? "" : "; to compare the others: --backends "
                    + others.joined(separator: ",")))
            }
        }

        let cpus = ProcessStats.allowedCPUs()
        let (serverCPU, loadCPU): (Int?, Int?)
        let placement: String
        if cpus.count >= 2, ChildProcess.taskset != nil {
            (serverCPU, loadCPU) = (cpus[0], cpus[1])
            placement = "server on CPU \(cpus[0]), load on CPU \(cpus[1])"
        } else {
            (serverCPU, loadCPU) = (nil, nil)
            placement = ChildProcess.taskset == nil ? "not pinned (taskset not found)" : "not pinned (fewer than 2 CPUs)"
        }

        var results: [Backend: [LoadReport]] = [:]
        var serverBackends: [Backend: [String]] = [:]
        for round in 1...config.rounds {
            // Alternate the order so neither backend always runs first (warmer caches, turbo).
            let order = round % 2 == 1 ? config.backends : config.backends.reversed()
            for backend in order {
                let (report, ranOn) = try await runOne(backend, config, serverCPU: serverCPU, loadCPU: loadCPU)
                serverBackends[backend, default: []].append(ranOn)
                log("round \(round)/\(config.rounds) \(backend.rawValue): "
                    + "\(Format.grouped(Int(report.requestsPerSecond.rounded()))) req/s, "
                    + "p99 \(Format.latency(microseconds: report.latencyMicroseconds.p99)), "
                    + "\(report.serverCPUMicrosecondsPerRequest.map { Format.fixed($0, 2) } ?? "-") µs CPU/req, "
                    + "\(report.errors) errors")
                results[backend, default: []].append(report)
            }
        }
        return CompareReport(
            connections: config.connections, size: config.size, pipeline: config.pipeline, mode: config.mode,
            durationSeconds: config.duration, warmupSeconds: config.warmup, rounds: config.rounds,
            placement: placement,
            results: config.backends.map { b in
                let r = results[b] ?? []
                return BackendResult(backend: b.rawValue, serverBackends: serverBackends[b] ?? [], rounds: r,
                                     median: MedianResult(r))
            })
    }

    /// One server child and one load child for `backend`.
    private static func runOne(_ backend: Backend, _ config: CompareConfig,
                               serverCPU: Int?, loadCPU: Int?) async throws(CLIFailure) -> (LoadReport, String) {
        // The server's own bound: it never outlives this comparison by much, even if we die.
        let bound = Int(config.warmup + config.duration) + 60
        let serverArgs = ["serve", "--backend", backend.rawValue, "--port", "0", "--path", config.path.rawValue,
                          "--duration", "\(bound)"]
        let loadTimeout = Duration.seconds(Int(config.warmup + config.duration) + 60)
        let (loaded, served) = try await ChildProcess.withServer(
            label: "the \(backend.rawValue) server", arguments: serverArgs, cpu: serverCPU,
            startTimeout: .seconds(15), stopTimeout: .seconds(10)
        ) { line, pid throws(CLIFailure) -> ChildProcess.Outcome? in
            guard let line, line.hasPrefix("listening "), let port = UInt16(line.dropFirst("listening ".count)) else {
                return nil
            }
            var args = ["load", "--port", "\(port)", "--connections", "\(config.connections)", "--size", "\(config.size)",
                        "--pipeline", "\(config.pipeline)", "--mode", config.mode.rawValue,
                        "--duration", "\(config.duration)", "--warmup", "\(config.warmup)",
                        "--server-pid", "\(pid)", "--json"]
            if let lb = config.loadBackend { args += ["--backend", lb.rawValue] }
            return try await ChildProcess.run(label: "the load generator", arguments: args, cpu: loadCPU,
                                              timeout: loadTimeout)
        }
        guard let loaded else {
            throw CLIFailure("the \(backend.rawValue) server did not start: " + lastLine(served.stderr, or: "no output"))
        }

        guard let data = loaded.stdout.split(separator: "\n").last.map({ Data($0.utf8) }),
              let report = try? JSONDecoder().decode(LoadReport.self, from: data) else {
            throw CLIFailure("the load generator against the \(backend.rawValue) server failed (exit \(loaded.status)): "
                + lastLine(loaded.stderr, or: "no output"))
        }
        if served.status != 0 {
            throw CLIFailure("the \(backend.rawValue) server exited with \(served.status): " + lastLine(served.stderr, or: "no output"))
        }
        // The summary says "... on BACKEND: ..."; check the server ran what was asked for.
        let ranOn = served.stderr.split(separator: " on ", maxSplits: 1).last?.split(separator: ":").first.map(String.init) ?? "?"
        if backend != .auto && ranOn != backend.rawValue {
            throw CLIFailure("the server asked for \(backend.rawValue) ran on \(ranOn)")
        }
        return (report, ranOn)
    }

    private static func lastLine(_ text: String, or fallback: String) -> String {
        text.split(separator: "\n").last.map(String.init) ?? fallback
    }
}
