import ESock
import Histogram

/// What a `load` run is asked to do.
struct LoadConfig: Sendable {
    var host: Host
    var port: UInt16
    var backend: Backend?
    var connections: Int
    var size: Int
    var pipeline: Int
    var mode: LoadMode
    var duration: Double
    var warmup: Double
    var serverPID: Int32?
    var progress: Bool
    var ioTimeout: Duration = .seconds(10)
}

/// Opens the connections, runs them against the schedule, and sums up.
enum LoadGenerator {
    static func run(_ config: LoadConfig) async throws(CLIFailure) -> LoadReport {
        let api = try Backends.api(config.backend)
        let target = config.host.display(port: config.port)
        let sockets = try await connectAll(api, config, target: target)
        defer { for s in sockets { try? api.close(s) } }

        let start = ContinuousClock.now
        let plan = LoadPlan(mode: config.mode, size: config.size, pipeline: config.pipeline,
                            measureStart: start + .milliseconds(Int(config.warmup * 1000)),
                            end: start + .milliseconds(Int((config.warmup + config.duration) * 1000)),
                            ioTimeout: config.ioTimeout,
                            pattern: Pattern(maxChunk: config.size * config.pipeline))
        let live = LiveCounters()
        let progress = config.progress ? Task { await showProgress(live, plan: plan, start: start) } : nil
        let cpu = config.serverPID.map { pid in Task { await serverCPU(pid: pid, plan: plan) } }

        let countdown = Countdown(sockets.count)
        let streams = sockets.enumerated().map { i, s in
            LoadStream(api: api, socket: s, index: i, plan: plan, live: live, countdown: countdown, base: start)
        }
        for s in streams { s.start() }
        let watchdog = Task { await watch(streams, countdown: countdown, plan: plan) }
        await countdown.wait()
        watchdog.cancel()
        progress?.cancel()
        let cpuUsed = await cpu?.value

        let tallies = streams.map { s -> Tally in
            if let t = s.tally { return t }
            // Still running after the watchdog gave up on it: count it as stalled.
            live.errors.add(1, ordering: .relaxed)
            var t = Tally()
            t.error = "recv: " + Describe.kind(.timeout)
            return t
        }

        let histogram = live.latencies
        var requests = 0, verified = 0
        var kinds: [String: Int] = [:]
        for t in tallies {
            requests += t.requests
            verified += t.bytesVerified
            if let e = t.error { kinds[e, default: 0] += 1 }
        }
        let rps = Double(requests) / config.duration
        return LoadReport(
            backend: api.backend.rawValue, target: target, mode: config.mode, connections: config.connections,
            size: config.size, pipeline: config.pipeline, durationSeconds: config.duration,
            warmupSeconds: config.warmup, requests: requests, requestsPerSecond: rps,
            megabytesPerSecond: rps * Double(config.size) / 1e6, bytesVerified: verified,
            latencyMicroseconds: LatencySummary(histogram), errors: kinds.values.reduce(0, +), errorKinds: kinds,
            serverCPUMicroseconds: cpuUsed,
            serverCPUMicrosecondsPerRequest: cpuUsed.map { requests > 0 ? $0 / Double(requests) : .nan })
    }

    /// Ends connections that have had no echo for the plan's I/O timeout, and once the
    /// schedule plus that timeout has passed, the run itself: the wait for the countdown is
    /// bounded however the server behaves.
    private static func watch(_ streams: [LoadStream], countdown: Countdown, plan: LoadPlan) async {
        let giveUp = plan.end + plan.ioTimeout + .seconds(5)
        while !countdown.isZero {
            guard (try? await Task.sleep(for: .milliseconds(100))) != nil else { return }
            let now = ContinuousClock.now
            for s in streams where s.isStalled(at: now) { s.abandon() }
            if now >= giveUp {
                countdown.release()
                return
            }
        }
    }

    /// Connects every connection before the clock starts; the first failure ends the run.
    private static func connectAll(_ api: any SocketAPI, _ config: LoadConfig,
                                   target: String) async throws(CLIFailure) -> [Socket] {
        let address = config.host.socketAddress(port: config.port)
        let results = await withTaskGroup(of: (Int, Result<Socket, SocketError>).self) { group in
            for i in 0..<config.connections {
                group.addTask { (i, await connectOne(api, config.host.domain, address)) }
            }
            var all: [(Int, Result<Socket, SocketError>)] = []
            for await r in group { all.append(r) }
            return all.sorted { $0.0 < $1.0 }.map(\.1)
        }
        var sockets: [Socket] = []
        var firstError: SocketError?
        for r in results {
            switch r {
            case .success(let s): sockets.append(s)
            case .failure(let e): if firstError == nil { firstError = e }
            }
        }
        if let firstError {
            for s in sockets { try? api.close(s) }
            let failed = config.connections - sockets.count
            throw CLIFailure("cannot connect to \(target)"
                + (failed < config.connections ? " (\(failed) of \(config.connections) connections)" : ""), firstError)
        }
        return sockets
    }

    /// Opens one connection: connected, with TCP_NODELAY.
    private static func connectOne(_ api: any SocketAPI, _ domain: Domain,
                                   _ address: SocketAddress) async -> Result<Socket, SocketError> {
        let s: Socket
        do {
            s = try api.open(domain, .stream, .tcp)
            try await api.connect(s, address, timeout: .seconds(5))
        } catch {
            return .failure(error)
        }
        do {
            try api.setopt(s, .nodelay, .bool(true))
        } catch {
            try? api.close(s)
            return .failure(error)
        }
        return .success(s)
    }

    /// The CPU time process `pid` uses between the start and end of the measured window.
    private static func serverCPU(pid: Int32, plan: LoadPlan) async -> Double? {
        try? await Task.sleep(until: plan.measureStart, clock: .continuous)
        guard let before = ProcessStats.cpuMicroseconds(pid: pid) else { return nil }
        try? await Task.sleep(until: plan.end, clock: .continuous)
        guard let after = ProcessStats.cpuMicroseconds(pid: pid) else { return nil }
        return after - before
    }

    /// One line per second on stderr: requests per second and errors so far.
    private static func showProgress(_ live: LiveCounters, plan: LoadPlan, start: ContinuousClock.Instant) async {
        var last = 0
        var tick = start
        while !Task.isCancelled {
            tick = tick + .seconds(1)
            guard (try? await Task.sleep(until: tick, clock: .continuous)) != nil else { return }
            let now = live.requests.load(ordering: .relaxed)
            let phase = tick <= plan.measureStart ? " (warm-up)" : ""
            let second = Int(start.duration(to: tick).seconds.rounded())
            Output.error("[\(Format.right("\(second)", 3)) s] \(Format.right(Format.grouped(now - last), 10)) req/s"
                + "  errors \(live.errors.load(ordering: .relaxed))\(phase)")
            last = now
            if tick >= plan.end { return }
        }
    }
}
