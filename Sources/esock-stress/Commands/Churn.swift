import ArgumentParser
import ESock

/// `esock-stress churn`: many short connections with faults, checking the invariants.
struct Churn: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Open, use and close many connections concurrently, with faults, and check nothing is lost or leaked.",
        discussion: """
            Runs an echo server in this process and --connections workers that each run \
            --rounds rounds (or until --duration seconds): connect, exchange checked data, \
            then one of: clean close; reset (linger 0, close); close while a nowait recv is \
            pending (exactly one abort must arrive); cancel a pending recv (no message after, \
            no byte lost); half-close (shutdown write, read the rest). Checks that descriptors \
            and registered sockets return to their count before. Exits 1 on any violation.
            """)

    @Option(help: "The backend: uring, poll or auto (default: $ESOCK_BACKEND, else auto).")
    var backend: Backend?

    @Option(help: "Concurrent connections (workers).")
    var connections: Int = 32

    @Option(help: "Rounds (connections opened one after another) per worker.")
    var rounds: Int = 50

    @Option(help: "Stop starting rounds after this many seconds.")
    var duration: Double = 10

    @Option(name: .customLong("max-size"), help: "Largest exchange in bytes (sizes vary from 1 up to this).")
    var maxSize: Int = 4096

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func validate() throws {
        guard (1...2000).contains(connections) else { throw ValidationError("--connections must be in 1...2000, got \(connections)") }
        guard (1...100_000).contains(rounds) else { throw ValidationError("--rounds must be in 1...100000, got \(rounds)") }
        guard duration > 0, duration <= 3600 else { throw ValidationError("--duration must be in (0, 3600] seconds, got \(duration)") }
        guard (1...(1 << 20)).contains(maxSize) else { throw ValidationError("--max-size must be in 1...1048576, got \(maxSize)") }
    }

    func run() async throws {
        try await reportingFailures {
            let report = try await ChurnRunner.run(ChurnConfig(
                backend: backend, connections: connections, rounds: rounds, duration: duration, maxSize: maxSize))
            Output.line(json ? Output.json(report, pretty: true) : report.text)
            if report.violations > 0 { throw ExitCode.failure }
        }
    }
}
