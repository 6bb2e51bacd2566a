import ArgumentParser
import ESock

/// `esock-stress serve`: an echo server on ESock.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run an echo (or discard) server on ESock.",
        discussion: """
            Prints exactly `listening PORT` on stdout once ready (with --port 0, the port the \
            kernel picked). Stops on SIGINT or SIGTERM, or after --duration seconds, and prints \
            a summary (connections, bytes, resets, errors) on stderr.
            """)

    @Option(help: "The backend: uring, poll or auto (default: $ESOCK_BACKEND, else auto).")
    var backend: Backend?

    @Option(help: "The port to listen on; 0 picks a free one.")
    var port: UInt16 = 0

    @Option(help: "The address to listen on (IPv4 or IPv6 literal, or localhost).")
    var host: Host = .loopback

    @Option(help: "echo: send every byte back; discard: read and drop.")
    var mode: ServeMode = .echo

    @Option(help: "The data path: stream (the zero-copy fast path), async (awaiting calls) or nowait (Erlang-shaped calls and a mailbox).")
    var path: ServePath = .stream

    @Option(help: "Loop threads of the backend (default: $ESOCK_LOOPS, else one per CPU this process may run on).")
    var loops: Int?

    @Option(help: "Stop after this many seconds even without a signal.")
    var duration: Double = 3600

    @Option(help: "The listen backlog.")
    var backlog: Int = 1024

    @Option(name: .customLong("max-descriptors"),
            help: "Lower this process's descriptor limit (RLIMIT_NOFILE) to N, to see how the server rides out EMFILE.")
    var maxDescriptors: Int?

    func validate() throws {
        guard duration > 0, duration <= 86_400 else {
            throw ValidationError("--duration must be in (0, 86400] seconds, got \(duration)")
        }
        guard (1...65_535).contains(backlog) else {
            throw ValidationError("--backlog must be in 1...65535, got \(backlog)")
        }
        if let loops, !(1...EventLoops.limit).contains(loops) {
            throw ValidationError("--loops must be in 1...\(EventLoops.limit), got \(loops)")
        }
        if let maxDescriptors, maxDescriptors < 16 {
            throw ValidationError("--max-descriptors must be at least 16 (the runtime needs some), got \(maxDescriptors)")
        }
    }

    func run() async throws {
        try await reportingFailures {
            if let maxDescriptors { try DescriptorLimit.lower(to: maxDescriptors) }
            let api = try Backends.api(backend, loops: loops)
            let signals = await TerminationSignals()
            let server = try EchoServer(api: api, host: host, port: port, mode: mode, path: path, backlog: backlog)
            let started = ContinuousClock.now
            let serving = Task { await server.run() }
            Output.line("listening \(server.port)")

            let sig = await signals.wait(upTo: .milliseconds(Int(duration * 1000)))
            server.stop()
            await serving.value
            let elapsed = started.duration(to: .now)

            let s = server.stats.snapshot
            let why = sig.map { "stopped by \($0)" } ?? "stopped after \(duration) s"
            Output.error("esock-stress serve: \(why) after \(Format.fixed(elapsed.seconds, 1)) s on \(api.backend.rawValue): "
                + "\(s.connections) connections, \(s.bytesIn) bytes in, \(s.bytesOut) bytes out, "
                + "\(s.resets) resets, \(s.errors) errors, \(api.info().loops) loop(s)")
            for e in server.stats.errorSamples { Output.error("  error: \(e)") }
        }
    }
}

extension Duration {
    /// This duration in seconds, as a Double.
    var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) / 1e18
    }
}
