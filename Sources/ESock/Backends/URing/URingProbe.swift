import CURing
#if canImport(Glibc)
import Glibc
#endif

/// What this kernel and sandbox allow of io_uring, found out once per process.
public struct URingProbe: Sendable {
    /// The setup flags that worked (`SINGLE_ISSUER|DEFER_TASKRUN`, `COOP_TASKRUN` or none).
    public let setupFlags: UInt32
    /// Names of the setup flags in `setupFlags`.
    public let setupFlagNames: [String]
    /// The opcodes ESock needs, with whether the kernel supports each.
    public let opcodes: [(name: String, supported: Bool)]
    /// io_uring feature flags reported by the kernel (`IORING_FEAT_*`).
    public let features: UInt32

    /// The running kernel's version (major, minor), from uname.
    public let kernel: (major: Int, minor: Int)
    /// Multishot accept and multishot receive into a provided-buffer ring, which the
    /// streaming fast path needs (Linux 6.0+; the opcode probe cannot tell flags apart).
    public var supportsMultishot: Bool { kernel >= (6, 0) }
    /// Multishot accept, which accept loops need (Linux 5.19+).
    public var supportsMultishotAccept: Bool { kernel >= (5, 19) }
    /// Cancelling every operation on a descriptor at once (IORING_ASYNC_CANCEL_FD, Linux
    /// 5.19+); without it close cancels each operation by itself.
    public var supportsCancelByDescriptor: Bool { kernel >= (5, 19) }

    /// Why io_uring cannot be used here, or nil when it can.
    public let unavailable: String?
    /// The errno behind `unavailable`, if any.
    public let errno: Errno?

    /// Whether io_uring is usable for ESock.
    public var isUsable: Bool { unavailable == nil }

    /// The probe result for this process (probed on first use).
    public static let current: URingProbe = run()

    /// The value of `kernel.io_uring_disabled`, or nil where the sysctl does not exist.
    public static var disabledSysctl: Int? {
        let fd = open("/proc/sys/kernel/io_uring_disabled", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buf = [UInt8](repeating: 0, count: 16)
        let n = read(fd, &buf, buf.count)
        guard n > 0 else { return nil }
        return Int(String(decoding: buf[..<n], as: UTF8.self).trimmingPrefix(" ").prefix { $0.isNumber })
    }

    static let requiredOpcodes: [(String, UInt32)] = [
        ("ACCEPT", IORING_OP_ACCEPT.rawValue), ("CONNECT", IORING_OP_CONNECT.rawValue),
        ("SEND", IORING_OP_SEND.rawValue), ("RECV", IORING_OP_RECV.rawValue),
        ("SENDMSG", IORING_OP_SENDMSG.rawValue), ("RECVMSG", IORING_OP_RECVMSG.rawValue),
        ("ASYNC_CANCEL", IORING_OP_ASYNC_CANCEL.rawValue), ("LINK_TIMEOUT", IORING_OP_LINK_TIMEOUT.rawValue),
        ("READ", IORING_OP_READ.rawValue),
    ]

    /// The setup flag sets to try, best first.
    static let flagChoices: [(UInt32, [String])] = [
        (esock_setup_single_issuer | esock_setup_defer_taskrun, ["SINGLE_ISSUER", "DEFER_TASKRUN"]),
        (esock_setup_coop_taskrun, ["COOP_TASKRUN"]),
        (0, []),
    ]

    private static func run() -> URingProbe {
        var lastError: Int32 = 0
        for (flags, names) in flagChoices {
            var ring = io_uring()
            var params = io_uring_params()
            params.flags = flags
            let r = io_uring_queue_init_params(8, &ring, &params)
            if r < 0 {
                lastError = -r
                // EINVAL: this kernel does not know the flags; try fewer. Anything else
                // (ENOSYS, EPERM, ENOMEM) will not change with other flags.
                if -r == EINVAL && flags != 0 { continue }
                break
            }
            defer { io_uring_queue_exit(&ring) }
            var ops: [(String, Bool)] = []
            if let probe = io_uring_get_probe_ring(&ring) {
                ops = requiredOpcodes.map { ($0.0, io_uring_opcode_supported(probe, Int32($0.1)) != 0) }
                io_uring_free_probe(probe)
            }
            let missing = ops.filter { !$0.1 }.map { $0.0 }
            return URingProbe(setupFlags: flags, setupFlagNames: names, opcodes: ops, features: params.features,
                              kernel: kernelVersion(),
                              unavailable: missing.isEmpty ? nil : "io_uring lacks opcodes: \(missing.joined(separator: ", "))",
                              errno: nil)
        }
        let e = Errno(rawValue: lastError)
        return URingProbe(setupFlags: 0, setupFlagNames: [], opcodes: [], features: 0, kernel: kernelVersion(),
                          unavailable: "io_uring unavailable: " + explain(e), errno: e)
    }

    /// The kernel's (major, minor) version from uname's release ("6.1.0-18-amd64" -> (6, 1)).
    static func kernelVersion() -> (major: Int, minor: Int) {
        var u = utsname()
        guard uname(&u) == 0 else { return (0, 0) }
        let release = withUnsafeBytes(of: u.release) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
        return parseKernelRelease(release)
    }

    /// (major, minor) of a kernel release string; (0, 0) when it has none.
    static func parseKernelRelease(_ release: String) -> (major: Int, minor: Int) {
        let numbers = release.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
        return numbers.count == 2 ? (numbers[0], numbers[1]) : (0, 0)
    }

    /// A reason a person can act on, for an io_uring_setup failure.
    static func explain(_ e: Errno) -> String {
        let sysctl = disabledSysctl
        switch e.rawValue {
        case EPERM:
            if sysctl == 2 { return "EPERM (kernel.io_uring_disabled=2)" }
            if sysctl == 1 { return "EPERM (kernel.io_uring_disabled=1 and this process is not in io_uring_group)" }
            return "EPERM (a seccomp filter, e.g. a container's default profile, or kernel.io_uring_disabled)"
        case ENOSYS:
            return "ENOSYS (the kernel has no io_uring, or a seccomp filter such as a container's default profile blocks it)"
        case EINVAL:
            return "EINVAL (the kernel rejects io_uring_setup)"
        default:
            return e.name.uppercased() + " (" + e.message + ")"
        }
    }

    /// Whether the failure is a resource problem that should stay an error rather than make
    /// `auto` fall back to poll.
    var isResourceError: Bool {
        guard let errno else { return false }
        return [ENOMEM, EMFILE, ENFILE].contains(errno.rawValue)
    }
}
