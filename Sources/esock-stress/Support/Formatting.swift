/// Number formatting for the text reports (no Foundation formatters: the output must not
/// depend on the locale).
enum Format {
    /// `1234567` → `1,234,567`.
    static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return n < 0 ? "-" + out : out
    }

    /// `value` with `places` decimals.
    static func fixed(_ value: Double, _ places: Int = 1) -> String {
        guard value.isFinite else { return "-" }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let r = (value * scale).rounded() / scale
        var s = "\(r.magnitude)"
        if s.contains("e") { return "\(value)" }
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        let whole = grouped(Int(parts[0]) ?? 0)
        var frac = parts.count > 1 ? String(parts[1]) : ""
        if places == 0 { s = whole } else {
            while frac.count < places { frac.append("0") }
            s = whole + "." + frac.prefix(places)
        }
        return (r < 0 ? "-" : "") + s
    }

    /// A latency in microseconds, compact: `37 µs`, `1.25 ms`, `2.10 s`.
    static func latency(microseconds us: Double) -> String {
        if us < 1000 { return fixed(us, us < 10 ? 1 : 0) + " µs" }
        if us < 1_000_000 { return fixed(us / 1000, 2) + " ms" }
        return fixed(us / 1_000_000, 2) + " s"
    }

    /// A power-of-ten latency for an axis: `1 µs`, `10 ms`, `1 s`.
    static func axisLatency(microseconds us: Double) -> String {
        if us < 1000 { return "\(Int(us.rounded())) µs" }
        if us < 1_000_000 { return "\(Int((us / 1000).rounded())) ms" }
        return "\(Int((us / 1_000_000).rounded())) s"
    }

    /// `s` padded on the left to `width`.
    static func right(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
    }

    /// `s` padded on the right to `width`.
    static func left(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }

    /// A ratio, `1.13x`.
    static func ratio(_ r: Double) -> String { r.isFinite ? fixed(r, 2) + "x" : "-" }
}

/// Median of `values` (mean of the middle two for an even count); nan when empty.
func median(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return .nan }
    let s = values.sorted()
    let m = s.count / 2
    return s.count % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2
}
