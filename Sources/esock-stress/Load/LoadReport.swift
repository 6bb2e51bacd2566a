import Histogram

/// Latency percentiles in microseconds.
struct LatencySummary: Codable, Sendable {
    var p50: Double
    var p90: Double
    var p99: Double
    var p999: Double
    var max: Double
    var mean: Double

    init(_ h: Histogram<UInt64>) {
        func us(_ ns: UInt64) -> Double { Double(ns) / 1000 }
        let empty = h.totalCount == 0
        p50 = empty ? 0 : us(h.valueAtPercentile(50))
        p90 = empty ? 0 : us(h.valueAtPercentile(90))
        p99 = empty ? 0 : us(h.valueAtPercentile(99))
        p999 = empty ? 0 : us(h.valueAtPercentile(99.9))
        max = empty ? 0 : us(h.max)
        mean = empty ? 0 : h.mean / 1000
    }

    init(p50: Double, p90: Double, p99: Double, p999: Double, max: Double, mean: Double) {
        (self.p50, self.p90, self.p99, self.p999, self.max, self.mean) = (p50, p90, p99, p999, max, mean)
    }
}

/// The result of one `load` run: what `--json` prints and `compare` reads back.
struct LoadReport: Codable, Sendable {
    var backend: String
    var target: String
    var mode: LoadMode
    var connections: Int
    var size: Int
    var pipeline: Int
    var durationSeconds: Double
    var warmupSeconds: Double
    /// Requests completed inside the measured window.
    var requests: Int
    var requestsPerSecond: Double
    /// Echoed payload (one direction) per second, in 10^6 bytes.
    var megabytesPerSecond: Double
    /// Every echoed byte received and checked, warm-up included.
    var bytesVerified: Int
    var latencyMicroseconds: LatencySummary
    /// Connections that stopped early.
    var errors: Int
    /// The errors by kind (`recv: econnreset`, `recv: timeout`, ...).
    var errorKinds: [String: Int]
    /// CPU time (user + system) the process `--server-pid` used in the measured window.
    var serverCPUMicroseconds: Double?
    var serverCPUMicrosecondsPerRequest: Double?

    /// The text summary.
    var text: String {
        var lines: [String] = []
        lines.append("esock-stress load: \(target) on \(backend), \(connections) connections, \(size) B, "
            + "pipeline \(pipeline), \(mode.rawValue), \(Format.fixed(durationSeconds, 1)) s"
            + (warmupSeconds > 0 ? " after \(Format.fixed(warmupSeconds, 1)) s warm-up" : ""))
        lines.append("  requests    \(Format.grouped(requests))  (\(Format.grouped(Int(requestsPerSecond.rounded()))) req/s)")
        lines.append("  throughput  \(Format.fixed(megabytesPerSecond, 2)) MB/s each way")
        let l = latencyMicroseconds
        lines.append("  latency     p50 \(Format.latency(microseconds: l.p50))  p90 \(Format.latency(microseconds: l.p90))  "
            + "p99 \(Format.latency(microseconds: l.p99))  p99.9 \(Format.latency(microseconds: l.p999))  "
            + "max \(Format.latency(microseconds: l.max))")
        lines.append("  verified    \(Format.grouped(bytesVerified)) bytes")
        if let cpu = serverCPUMicroseconds, let per = serverCPUMicrosecondsPerRequest {
            lines.append("  server CPU  \(Format.fixed(cpu / 1000, 1)) ms, \(Format.fixed(per, 2)) µs/request")
        }
        let kinds = errorKinds.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        lines.append("  errors      \(errors)" + (kinds.isEmpty ? "" : "  (\(kinds))"))
        return lines.joined(separator: "\n")
    }
}
