import ArgumentParser
import ESock
import Foundation

/// `esock-stress compare`: the backends side by side, each as a separate server process.
struct Compare: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare backends: a server per backend and a load generator, as child processes.",
        discussion: """
            For each round and each backend (order alternating between rounds), starts \
            `esock-stress serve --backend B` and `esock-stress load --json` against it on \
            loopback, pinned to different CPUs with taskset when there are two or more. \
            Prints medians over rounds: requests/s, MB/s, p50/p99 latency and the server's \
            CPU time per request (from /proc/PID/stat over the measured window), with ratios \
            to the first backend. --plot writes an SVG chart.
            """)

    @Option(help: "Comma-separated backends to compare.",
            transform: { text in
                try text.split(separator: ",").map { part in
                    guard let b = Backend(rawValue: part.trimmingCharacters(in: .whitespaces).lowercased()) else {
                        throw ValidationError("--backends: '\(part)' is not one of uring, poll, auto")
                    }
                    return b
                }
            })
    var backends: [Backend] = [.uring, .poll]

    @Option(help: "Rounds per backend (the table shows medians).")
    var rounds: Int = 3

    @Option(help: "Seconds measured per round.")
    var duration: Double = 3

    @Option(help: "Seconds of warm-up before each measured round.")
    var warmup: Double = 1

    @Option(help: "Concurrent connections.")
    var connections: Int = 64

    @Option(help: "Bytes per request.")
    var size: Int = 64

    @Option(help: "Requests in flight per connection.")
    var pipeline: Int = 1

    @Option(help: "pingpong or bulk.")
    var mode: LoadMode = .pingpong

    @Option(name: .customLong("load-backend"),
            help: "The load generator's own backend (the same for every round; default: $ESOCK_BACKEND, else auto).")
    var loadBackend: Backend?

    @Option(help: "The servers' data path: stream, async or nowait (see `serve --path`).")
    var path: ServePath = .stream

    @Option(help: "Write an SVG chart of throughput and latency percentiles to this file.")
    var plot: String?

    @Flag(help: "Print one JSON object instead of the table.")
    var json = false

    func validate() throws {
        guard !backends.isEmpty else { throw ValidationError("--backends needs at least one backend") }
        guard Set(backends).count == backends.count else { throw ValidationError("--backends lists a backend twice") }
        guard (1...50).contains(rounds) else { throw ValidationError("--rounds must be in 1...50, got \(rounds)") }
        guard duration > 0, duration <= 600 else { throw ValidationError("--duration must be in (0, 600] seconds, got \(duration)") }
        guard warmup >= 0, warmup <= 60 else { throw ValidationError("--warmup must be in [0, 60] seconds, got \(warmup)") }
        guard (1...10_000).contains(connections) else { throw ValidationError("--connections must be in 1...10000, got \(connections)") }
        guard (1...(16 << 20)).contains(size) else { throw ValidationError("--size must be in 1...16777216 bytes, got \(size)") }
        guard (1...1024).contains(pipeline) else { throw ValidationError("--pipeline must be in 1...1024, got \(pipeline)") }
        if let plot, plot.isEmpty { throw ValidationError("--plot needs a file name") }
    }

    func run() async throws {
        try await reportingFailures {
            let report = try await CompareRunner.run(
                CompareConfig(backends: backends, rounds: rounds, duration: duration, warmup: warmup,
                              connections: connections, size: size, pipeline: pipeline, mode: mode,
                              loadBackend: loadBackend),
                log: { line in if !json { Output.error(line) } })
            if let plot {
                do {
                    try SVGChart(report: report).svg.write(toFile: plot, atomically: true, encoding: .utf8)
                } catch {
                    throw CLIFailure("cannot write \(plot): \(error.localizedDescription)")
                }
            }
            Output.line(json ? Output.json(report, pretty: true) : report.table)
            if report.results.contains(where: { $0.median.errors > 0 }) { throw ExitCode.failure }
        }
    }
}
