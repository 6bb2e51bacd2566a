import ESock
#if canImport(Glibc)
import Glibc
#endif

/// What this machine and sandbox allow ESock to do: the facts `doctor` prints.
struct DoctorReport: Codable, Sendable {
    struct Kernel: Codable, Sendable {
        var sysname: String
        var release: String
        var version: String
        var machine: String
    }

    struct IOURing: Codable, Sendable {
        /// Whether ESock can use io_uring here.
        var usable: Bool
        /// Why not, when not.
        var unavailable: String?
        /// The errno io_uring_setup failed with (`eperm`, `enosys`), when it did.
        var errno: String?
        /// The setup flags that worked.
        var setupFlags: [String]
        /// The opcodes ESock needs, with whether each is supported.
        var opcodes: [String: Bool]
        /// `IORING_FEAT_*` names the kernel reported.
        var features: [String]
        var featuresRaw: UInt32
    }

    struct AutoBackend: Codable, Sendable {
        /// The backend `auto` picks (nil when it fails).
        var backend: String?
        /// Why.
        var reason: String
    }

    struct Capability: Codable, Sendable {
        var available: Bool
        var detail: String
    }

    struct Limits: Codable, Sendable {
        /// RLIMIT_NOFILE soft and hard limits; nil is unlimited.
        var openFilesSoft: UInt64?
        var openFilesHard: UInt64?
    }

    var kernel: Kernel
    /// `kernel.io_uring_disabled` (0 allowed, 1 only io_uring_group, 2 disabled); nil when the
    /// sysctl does not exist (kernels before 6.6).
    var ioUringDisabled: Int?
    /// This process's seccomp mode: `none`, `strict`, `filter`.
    var seccomp: String?
    var ioUring: IOURing
    var auto: AutoBackend
    var sctp: Capability
    var ipv6: Capability
    var fileDescriptors: Limits
    /// The CPUs this process may run on.
    var cpus: [Int]

    /// Gathers the facts.
    static func gather() -> DoctorReport {
        let probe = URingProbe.current
        let seccomp = ProcessStats.seccompMode().map { ["none", "strict", "filter"].indices.contains($0)
            ? ["none", "strict", "filter"][$0] : "\($0)" }
        return DoctorReport(
            kernel: kernel(),
            ioUringDisabled: URingProbe.disabledSysctl,
            seccomp: seccomp,
            ioUring: IOURing(
                usable: probe.isUsable, unavailable: probe.unavailable, errno: probe.errno?.name,
                setupFlags: probe.setupFlagNames,
                opcodes: Dictionary(probe.opcodes.map { ($0.name, $0.supported) }, uniquingKeysWith: { a, _ in a }),
                features: featureNames(probe.features), featuresRaw: probe.features),
            auto: autoBackend(),
            sctp: sctp(),
            ipv6: ipv6(),
            fileDescriptors: limits(),
            cpus: ProcessStats.allowedCPUs())
    }

    private static func kernel() -> Kernel {
        var u = utsname()
        guard uname(&u) == 0 else { return Kernel(sysname: "?", release: "?", version: "?", machine: "?") }
        func text<T>(_ field: T) -> String {
            withUnsafeBytes(of: field) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        return Kernel(sysname: text(u.sysname), release: text(u.release), version: text(u.version),
                      machine: text(u.machine))
    }

    private static func autoBackend() -> AutoBackend {
        do {
            let info = try socketAPI(.auto).info()
            return AutoBackend(backend: info.backend.rawValue, reason: info.reason)
        } catch {
            return AutoBackend(backend: nil, reason: Describe.socketError(error))
        }
    }

    /// Tries to open an SCTP seqpacket socket.
    private static func sctp() -> Capability {
        do {
            let api = try socketAPI(.poll)
            let s = try api.open(.inet, .seqpacket, .sctp)
            try? api.close(s)
            return Capability(available: true, detail: "inet/seqpacket/sctp opens")
        } catch {
            return Capability(available: false, detail: "inet/seqpacket/sctp: " + Describe.socketError(error))
        }
    }

    /// Tries to open an IPv6 stream socket and bind it to ::1.
    private static func ipv6() -> Capability {
        let api: any SocketAPI
        do { api = try socketAPI(.poll) } catch {
            return Capability(available: false, detail: Describe.socketError(error))
        }
        let s: Socket
        do { s = try api.open(.inet6, .stream, .tcp) } catch {
            return Capability(available: false, detail: "open inet6: " + Describe.socketError(error))
        }
        defer { try? api.close(s) }
        do {
            try api.bind(s, .loopback)
            let a = try api.sockname(s)
            return Capability(available: true, detail: "bound \(a)")
        } catch {
            return Capability(available: false, detail: "bind ::1: " + Describe.socketError(error))
        }
    }

    private static func limits() -> Limits {
        var r = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &r) == 0 else { return Limits(openFilesSoft: nil, openFilesHard: nil) }
        func v(_ x: rlim_t) -> UInt64? { x == rlim_t.max ? nil : UInt64(x) }  // RLIM_INFINITY
        return Limits(openFilesSoft: v(r.rlim_cur), openFilesHard: v(r.rlim_max))
    }

    /// Names of `IORING_FEAT_*` bits (as of Linux 6.12); unknown bits as `bit N`.
    static func featureNames(_ features: UInt32) -> [String] {
        let names = ["SINGLE_MMAP", "NODROP", "SUBMIT_STABLE", "RW_CUR_POS", "CUR_PERSONALITY", "FAST_POLL",
                     "POLL_32BITS", "SQPOLL_NONFIXED", "EXT_ARG", "NATIVE_WORKERS", "RSRC_TAGS", "CQE_SKIP",
                     "LINKED_FILE", "REG_REG_RING", "RECVSEND_BUNDLE", "MIN_TIMEOUT", "RW_ATTR", "NO_IOWAIT"]
        return (0..<32).compactMap { bit in
            features & (1 << UInt32(bit)) == 0 ? nil : (bit < names.count ? names[bit] : "bit \(bit)")
        }
    }
}
