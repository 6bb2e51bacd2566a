#if canImport(Glibc)
import Glibc
#endif

/// What /proc says about processes: CPU time, open descriptors, allowed CPUs.
enum ProcessStats {
    /// User + system CPU time of process `pid` in microseconds (from `/proc/PID/stat`),
    /// nil when the process is gone or the file unreadable.
    static func cpuMicroseconds(pid: Int32) -> Double? {
        guard let text = readSmallFile("/proc/\(pid)/stat"),
              let close = text.lastIndex(of: ")") else { return nil }
        // Fields after "(comm)": state is field 3; utime and stime are fields 14 and 15.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let utime = Double(fields[11]), let stime = Double(fields[12]) else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return (utime + stime) / (ticks > 0 ? ticks : 100) * 1_000_000
    }

    /// How many descriptors this process has open (entries of /proc/self/fd, not counting
    /// the one used to list them).
    static func openDescriptors() -> Int? {
        guard let dir = opendir("/proc/self/fd") else { return nil }
        defer { closedir(dir) }
        var n = 0
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { n += 1 }
        }
        return n - 1
    }

    /// This process's open descriptors and what each refers to (`socket:[123]`,
    /// `anon_inode:[io_uring]`, a path), for naming what leaked.
    static func descriptorTargets() -> [Int32: String] {
        guard let dir = opendir("/proc/self/fd") else { return [:] }
        let own = dirfd(dir)
        var names: [Int32] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if let fd = Int32(name), fd != own { names.append(fd) }
        }
        closedir(dir)
        var out: [Int32: String] = [:]
        var buf = [CChar](repeating: 0, count: 512)
        for fd in names {
            let n = readlink("/proc/self/fd/\(fd)", &buf, buf.count - 1)
            out[fd] = n > 0 ? String(decoding: buf[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : "?"
        }
        return out
    }

    /// The CPUs this process may run on (`Cpus_allowed_list` of /proc/self/status).
    static func allowedCPUs() -> [Int] {
        guard let text = readSmallFile("/proc/self/status"),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") }) else {
            return []
        }
        var cpus: [Int] = []
        let list = line.dropFirst("Cpus_allowed_list:".count).trimmingCharacters(in: " \t")
        for part in list.split(separator: ",") {
            let bounds = part.split(separator: "-").compactMap { Int($0) }
            if bounds.count == 1 { cpus.append(bounds[0]) }
            if bounds.count == 2, bounds[0] <= bounds[1] { cpus.append(contentsOf: bounds[0]...bounds[1]) }
        }
        return cpus
    }

    /// The `Seccomp:` mode of this process: 0 none, 1 strict, 2 filter; nil if unknown.
    static func seccompMode() -> Int? {
        guard let text = readSmallFile("/proc/self/status"),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Seccomp:") }) else { return nil }
        return Int(line.dropFirst("Seccomp:".count).trimmingCharacters(in: " \t"))
    }

    /// The contents of a small text file (up to 64 KiB), nil if unreadable.
    static func readSmallFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while bytes.count < 65536 {
            let n = read(fd, &buf, buf.count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            bytes += buf[..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension Substring {
    /// This text without leading and trailing characters from `set`.
    func trimmingCharacters(in set: String) -> String {
        String(drop { set.contains($0) }.reversed().drop { set.contains($0) }.reversed())
    }
}
