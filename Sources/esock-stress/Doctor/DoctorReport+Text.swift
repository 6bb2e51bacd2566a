extension DoctorReport {
    /// The report as aligned `name  value` lines.
    var text: String {
        var rows: [(String, String)] = []
        rows.append(("kernel", "\(kernel.sysname) \(kernel.release) \(kernel.machine) (\(kernel.version))"))
        rows.append(("io_uring_disabled", ioUringDisabled.map { "\($0)" + Self.sysctlMeaning($0) }
            ?? "absent (kernel before 6.6: no such sysctl)"))
        rows.append(("seccomp", seccomp ?? "unknown"))
        if ioUring.usable {
            rows.append(("io_uring", "usable, setup flags " + (ioUring.setupFlags.isEmpty ? "none" : ioUring.setupFlags.joined(separator: "|"))))
        } else {
            rows.append(("io_uring", "NOT usable: " + (ioUring.unavailable ?? "unknown reason")))
            if let e = ioUring.errno { rows.append(("  errno", e)) }
        }
        if !ioUring.opcodes.isEmpty {
            let missing = ioUring.opcodes.filter { !$0.value }.keys.sorted()
            rows.append(("  opcodes", ioUring.opcodes.keys.sorted().joined(separator: " ")
                + (missing.isEmpty ? " (all supported)" : "; missing: " + missing.joined(separator: " "))))
        }
        if ioUring.featuresRaw != 0 {
            rows.append(("  features", "0x" + String(ioUring.featuresRaw, radix: 16) + " " + ioUring.features.joined(separator: " ")))
        }
        rows.append(("auto backend", (auto.backend ?? "none") + ": " + auto.reason))
        rows.append(("sctp", (sctp.available ? "available: " : "unavailable: ") + sctp.detail))
        rows.append(("ipv6", (ipv6.available ? "available: " : "unavailable: ") + ipv6.detail))
        func limit(_ v: UInt64?) -> String { v.map { Format.grouped(Int(clamping: $0)) } ?? "unlimited" }
        rows.append(("open files", "soft \(limit(fileDescriptors.openFilesSoft)), hard \(limit(fileDescriptors.openFilesHard))"))
        rows.append(("cpus", cpus.isEmpty ? "unknown" : "\(cpus.count): " + cpus.map(String.init).joined(separator: ",")))
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { Format.left($0.0, width + 2) + $0.1 }.joined(separator: "\n")
    }

    static func sysctlMeaning(_ v: Int) -> String {
        switch v {
        case 0: return " (io_uring allowed)"
        case 1: return " (io_uring only for root and io_uring_group)"
        case 2: return " (io_uring disabled)"
        default: return ""
        }
    }
}
