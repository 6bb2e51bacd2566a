extension CompareReport {
    /// The side-by-side table with ratios between backends.
    var table: String {
        var lines: [String] = []
        lines.append("esock-stress compare: \(rounds) rounds x \(Format.fixed(durationSeconds, 1)) s"
            + " (after \(Format.fixed(warmupSeconds, 1)) s warm-up), \(connections) connections, \(size) B, "
            + "pipeline \(pipeline), \(mode.rawValue); \(placement); medians over rounds")
        let headers = ["backend", "req/s", "MB/s", "p50", "p99", "CPU µs/req", "errors"]
        let widths = [12, 12, 9, 11, 11, 11, 7]
        func row(_ cells: [String]) -> String {
            zip(cells, widths).enumerated().map { i, cw in
                i == 0 ? Format.left(cw.0, cw.1) : Format.right(cw.0, cw.1)
            }.joined(separator: " ")
        }
        lines.append(row(headers))
        for r in results {
            let m = r.median
            lines.append(row([r.backend, Format.grouped(Int(m.requestsPerSecond.rounded())), Format.fixed(m.megabytesPerSecond, 2),
                              Format.latency(microseconds: m.latencyMicroseconds.p50),
                              Format.latency(microseconds: m.latencyMicroseconds.p99),
                              m.serverCPUMicrosecondsPerRequest.map { Format.fixed($0, 2) } ?? "-",
                              "\(m.errors)"]))
        }
        // Ratios of every other backend to the first one.
        if let base = results.first {
            for r in results.dropFirst() {
                let a = r.median, b = base.median
                func cpuRatio() -> String {
                    guard let x = a.serverCPUMicrosecondsPerRequest, let y = b.serverCPUMicrosecondsPerRequest else { return "-" }
                    return Format.ratio(x / y)
                }
                lines.append(row(["\(r.backend)/\(base.backend)",
                                  Format.ratio(a.requestsPerSecond / b.requestsPerSecond),
                                  Format.ratio(a.megabytesPerSecond / b.megabytesPerSecond),
                                  Format.ratio(a.latencyMicroseconds.p50 / b.latencyMicroseconds.p50),
                                  Format.ratio(a.latencyMicroseconds.p99 / b.latencyMicroseconds.p99),
                                  cpuRatio(), ""]))
            }
        }
        for r in results {
            lines.append("  \(r.backend) rounds: " + r.rounds.map { Format.grouped(Int($0.requestsPerSecond.rounded())) }
                .joined(separator: ", ") + " req/s")
        }
        return lines.joined(separator: "\n")
    }
}
