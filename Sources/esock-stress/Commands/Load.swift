import ArgumentParser
import ESock

/// `esock-stress load`: a load generator that checks every echoed byte.
struct Load: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load an echo server and measure throughput and latency.",
        discussion: """
            Opens --connections connections, sends requests of --size bytes (--pipeline of \
            them in flight per connection) for --duration seconds after --warmup seconds, and \
            checks every echoed byte. Prints requests/s, MB/s, latency percentiles and errors; \
            --json prints one JSON object on stdout instead. Live progress goes to stderr once \
            a second when stderr is a terminal. Exits 1 when any connection failed.
            """)

    @Option(help: "The server's port.")
    var port: UInt16

    @Option(help: "The server's address (IPv4 or IPv6 literal, or localhost).")
    var host: Host = .loopback

    @Option(help: "Concurrent connections.")
    var connections: Int = 64

    @Option(help: "Bytes per request (bulk: per chunk).")
    var size: Int = 64

    @Option(help: "Seconds to measure.")
    var duration: Double = 3

    @Option(help: "Requests in flight per connection (default 1 for pingpong, 16 for bulk).")
    var pipeline: Int?

    @Option(help: "pingpong: send a batch, wait for its echo; bulk: stream continuously.")
    var mode: LoadMode = .pingpong

    @Option(help: "The client's backend: uring, poll or auto (default: $ESOCK_BACKEND, else auto).")
    var backend: Backend?

    @Option(help: "Seconds of load before measuring starts.")
    var warmup: Double = 0

    @Option(name: .customLong("server-pid"),
            help: "Also report the CPU time this process (the server, on this machine) used while measuring.")
    var serverPID: Int32?

    @Flag(help: "Print one JSON object on stdout instead of the text summary.")
    var json = false

    var effectivePipeline: Int { pipeline ?? (mode == .bulk ? 16 : 1) }

    func validate() throws {
        guard port != 0 else { throw ValidationError("--port must be the server's port (1...65535), got 0") }
        guard (1...10_000).contains(connections) else {
            throw ValidationError("--connections must be in 1...10000, got \(connections)")
        }
        guard (1...(16 << 20)).contains(size) else {
            throw ValidationError("--size must be in 1...16777216 bytes, got \(size)")
        }
        guard (1...1024).contains(effectivePipeline) else {
            throw ValidationError("--pipeline must be in 1...1024, got \(effectivePipeline)")
        }
        guard size * effectivePipeline <= 64 << 20 else {
            throw ValidationError("--size x --pipeline must be at most 64 MiB in flight per connection")
        }
        guard duration > 0, duration <= 3600 else {
            throw ValidationError("--duration must be in (0, 3600] seconds, got \(duration)")
        }
        guard warmup >= 0, warmup <= 600 else {
            throw ValidationError("--warmup must be in [0, 600] seconds, got \(warmup)")
        }
        if let serverPID, serverPID <= 0 { throw ValidationError("--server-pid must be a process id, got \(serverPID)") }
    }

    func run() async throws {
        try await reportingFailures {
            let report = try await LoadGenerator.run(LoadConfig(
                host: host, port: port, backend: backend, connections: connections, size: size,
                pipeline: effectivePipeline, mode: mode, duration: duration, warmup: warmup,
                serverPID: serverPID, progress: Output.stderrIsTerminal))
            if json {
                Output.line(Output.json(report))
            } else {
                Output.line(report.text)
            }
            if report.errors > 0 { throw ExitCode.failure }
        }
    }
}
