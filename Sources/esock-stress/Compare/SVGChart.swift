#if canImport(Glibc)
import Glibc
#endif

/// A self-contained SVG chart of a comparison: median throughput per backend (with each
/// round as a dot) and latency percentiles per backend on a log scale.
struct SVGChart {
    let report: CompareReport

    private static let colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd"]
    private static let width = 920.0, height = 420.0
    private static let top = 60.0, bottom = 360.0

    var svg: String {
        var s = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(Self.width))" height="\(Int(Self.height))" \
        viewBox="0 0 \(Int(Self.width)) \(Int(Self.height))" font-family="sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(Self.width / 2)" y="22" text-anchor="middle" font-size="15">\(escape(title))</text>
        <text x="\(Self.width / 2)" y="40" text-anchor="middle" fill="#555">\(escape(report.placement)); medians of \(report.rounds) rounds</text>

        """
        s += throughputPanel(x: 60, width: 300)
        s += latencyPanel(x: 470, width: 420)
        s += "</svg>\n"
        return s
    }

    private var title: String {
        "ESock echo: \(report.connections) connections, \(report.size) B, pipeline \(report.pipeline), "
            + "\(report.mode.rawValue), \(Format.fixed(report.durationSeconds, 1)) s per round"
    }

    private func color(_ i: Int) -> String { Self.colors[i % Self.colors.count] }

    /// Bars of median requests/s, a dot per round.
    private func throughputPanel(x: Double, width: Double) -> String {
        let maxValue = niceCeiling(report.results.flatMap { $0.rounds.map(\.requestsPerSecond) + [$0.median.requestsPerSecond] }.max() ?? 1)
        func y(_ v: Double) -> Double { Self.bottom - (Self.bottom - Self.top) * v / maxValue }
        var s = axisTitle(x: x + width / 2, text: "requests/s (median; dots: rounds)")
        for i in 0...4 {
            let v = maxValue * Double(i) / 4
            s += gridLine(x1: x, x2: x + width, y: y(v), label: Format.grouped(Int(v)))
        }
        let slot = width / Double(max(report.results.count, 1))
        for (i, r) in report.results.enumerated() {
            let bx = x + slot * Double(i) + slot * 0.2, bw = slot * 0.6
            let v = r.median.requestsPerSecond.isFinite ? r.median.requestsPerSecond : 0
            s += "<rect x=\"\(f(bx))\" y=\"\(f(y(v)))\" width=\"\(f(bw))\" height=\"\(f(Self.bottom - y(v)))\" fill=\"\(color(i))\"/>\n"
            s += "<text x=\"\(f(bx + bw / 2))\" y=\"\(f(y(v) - 5))\" text-anchor=\"middle\">\(Format.grouped(Int(v.rounded())))</text>\n"
            for (k, round) in r.rounds.enumerated() {
                let dx = bx + bw * (Double(k) + 1) / Double(r.rounds.count + 1)
                s += "<circle cx=\"\(f(dx))\" cy=\"\(f(y(round.requestsPerSecond)))\" r=\"3\" fill=\"black\" fill-opacity=\"0.6\"/>\n"
            }
            s += "<text x=\"\(f(bx + bw / 2))\" y=\"\(f(Self.bottom + 18))\" text-anchor=\"middle\">\(escape(r.backend))</text>\n"
        }
        return s
    }

    /// Grouped bars of p50/p90/p99/p99.9 per backend, log scale.
    private func latencyPanel(x: Double, width: Double) -> String {
        let names = ["p50", "p90", "p99", "p99.9"]
        func values(_ r: BackendResult) -> [Double] {
            let l = r.median.latencyMicroseconds
            return [l.p50, l.p90, l.p99, l.p999]
        }
        let all = report.results.flatMap(values).filter { $0 > 0 && $0.isFinite }
        let lo = pow(10, floor(log10(all.min() ?? 1))), hi = pow(10, ceil(log10((all.max() ?? 10) * 1.0001)))
        func y(_ v: Double) -> Double {
            let t = (log10(max(v, lo)) - log10(lo)) / max(log10(hi) - log10(lo), 1e-9)
            return Self.bottom - (Self.bottom - Self.top) * t
        }
        var s = axisTitle(x: x + width / 2, text: "latency (median of rounds, log scale)")
        var decade = lo
        while decade <= hi * 1.0001 {
            s += gridLine(x1: x, x2: x + width, y: y(decade), label: Format.axisLatency(microseconds: decade))
            decade *= 10
        }
        let group = width / Double(names.count)
        let n = Double(max(report.results.count, 1))
        for (p, name) in names.enumerated() {
            let gx = x + group * Double(p)
            for (i, r) in report.results.enumerated() {
                let v = values(r)[p]
                let bw = group * 0.7 / n, bx = gx + group * 0.15 + bw * Double(i)
                s += "<rect x=\"\(f(bx))\" y=\"\(f(y(v)))\" width=\"\(f(bw))\" height=\"\(f(Self.bottom - y(v)))\" fill=\"\(color(i))\">"
                    + "<title>\(escape(r.backend)) \(name): \(Format.latency(microseconds: v))</title></rect>\n"
            }
            s += "<text x=\"\(f(gx + group / 2))\" y=\"\(f(Self.bottom + 18))\" text-anchor=\"middle\">\(name)</text>\n"
        }
        for (i, r) in report.results.enumerated() {
            let ly = Self.bottom + 38, lx = x + Double(i) * 110
            s += "<rect x=\"\(f(lx))\" y=\"\(f(ly - 10))\" width=\"12\" height=\"12\" fill=\"\(color(i))\"/>"
                + "<text x=\"\(f(lx + 18))\" y=\"\(f(ly))\">\(escape(r.backend))</text>\n"
        }
        return s
    }

    private func axisTitle(x: Double, text: String) -> String {
        "<text x=\"\(f(x))\" y=\"\(f(Self.top - 8))\" text-anchor=\"middle\" font-weight=\"bold\">\(escape(text))</text>\n"
    }

    private func gridLine(x1: Double, x2: Double, y: Double, label: String) -> String {
        "<line x1=\"\(f(x1))\" y1=\"\(f(y))\" x2=\"\(f(x2))\" y2=\"\(f(y))\" stroke=\"#ddd\"/>"
            + "<text x=\"\(f(x1 - 4))\" y=\"\(f(y + 4))\" text-anchor=\"end\" fill=\"#555\">\(escape(label))</text>\n"
    }

    /// A round number at or above `v` for the axis (1, 2 or 5 times a power of ten).
    private func niceCeiling(_ v: Double) -> Double {
        guard v > 0, v.isFinite else { return 1 }
        let p = pow(10, floor(log10(v)))
        for m in [1.0, 2, 5, 10] where m * p >= v { return m * p }
        return 10 * p
    }

    private func f(_ v: Double) -> String { Format.fixed(v.isFinite ? v : 0, 1).replacingOccurrences(",", "") }

    private func escape(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }
}

extension String {
    /// This string with every `target` replaced by `replacement`.
    func replacingOccurrences(_ target: Character, _ replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}
