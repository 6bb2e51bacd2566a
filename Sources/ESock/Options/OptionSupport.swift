#if canImport(Glibc)
import Glibc
#endif

/// Whether this build and this kernel support `option`.
///
/// The seed: "just because we have a documented and described option, it does not mean that
/// the OS supports it". An option is supported when the option table has it for this
/// platform and build (so `socket.rcvtimeo` is not, unless the `RcvSndTimeo` trait is on) and,
/// for options the kernel holds, the kernel knows it: ESock asks it once, on a scratch socket
/// of a suitable kind, and keeps the answers. SCTP options are not supported on a kernel
/// without SCTP; nor is anything unknown.
public func isSupported(_ option: SocketOption) -> Bool {
    OptionSupport.answers[option] ?? false
}

/// Every option in ESock's option table with whether this build and kernel support it
/// (OTP's `socket:supports(options)`), in table order.
public func supports() -> [(option: SocketOption, supported: Bool)] {
    OptionRows.all.map { ($0.option, OptionSupport.answers[$0.option] ?? false) }
}

/// The kernel probe behind ``isSupported(_:)``, run once.
enum OptionSupport {
    /// The answer for every row, computed on first use.
    static let answers: [SocketOption: Bool] = {
        var scratch = ScratchSockets()
        defer { scratch.closeAll() }
        var out: [SocketOption: Bool] = [:]
        for spec in OptionRows.all {
            out[spec.option] = probe(spec, &scratch)
        }
        return out
    }()

    private static func probe(_ spec: OptionSpec, _ scratch: inout ScratchSockets) -> Bool {
        guard spec.isAvailable else { return false }
        guard case .kernel(let level, let name) = spec.storage else { return true }
        guard let fd = scratch.socket(for: spec) else { return false }
        do throws(Errno) {
            if spec.gettable {
                _ = try KernelOptions.get(fd, level, name, capacity: OptionCodec.capacity(for: spec.kind))
            } else {
                // A set-only option: an empty value makes a kernel that knows the option
                // refuse it as too short (einval), and one that does not say enoprotoopt.
                try KernelOptions.set(fd, level, name, [])
            }
            return true
        } catch {
            // Anything but "no such option" means the kernel knows it (for example enotconn
            // for ip.mtu on an unconnected socket).
            return ![ENOPROTOOPT, EOPNOTSUPP, ENOSYS].contains(error.rawValue)
        }
    }
}

/// Scratch sockets for the probe, one per kind, opened on demand and closed together.
private struct ScratchSockets {
    private struct Kind: Hashable {
        let domain: Int32
        let type: Int32
        let proto: Int32
    }

    private var open: [Kind: Int32?] = [:]

    /// A socket of the kind `spec` is meant for, nil when this kernel (or this process's
    /// privileges) cannot open one: no SCTP, no IPv6.
    mutating func socket(for spec: OptionSpec) -> Int32? {
        for kind in Self.kinds(for: spec) {
            if let fd = open(kind) { return fd }
        }
        return nil
    }

    private mutating func open(_ kind: Kind) -> Int32? {
        if let fd = open[kind] { return fd }
        let fd = Glibc.socket(kind.domain, kind.type | Int32(SOCK_CLOEXEC.rawValue), kind.proto)
        open[kind] = fd >= 0 ? fd : nil
        return fd >= 0 ? fd : nil
    }

    mutating func closeAll() {
        for case let fd? in open.values { _ = Glibc.close(fd) }
        open = [:]
    }

    private static func kind(_ d: Domain, _ t: SocketType, _ p: Int32) -> Kind { Kind(domain: d.raw, type: t.raw, proto: p) }

    /// The kinds to try, best first.
    private static func kinds(for spec: OptionSpec) -> [Kind] {
        let r = spec.requires
        let tcp = Int32(IPPROTO_TCP), udp = Int32(IPPROTO_UDP)
        if r.protocols == [.sctp] { return [kind(.inet, .seqpacket, Int32(IPPROTO_SCTP))] }
        if r.domains == [.local] { return [kind(.local, .stream, 0)] }
        let domain: Domain = spec.option.level == .ipv6 ? .inet6 : .inet
        switch spec.option.level {
        case .tcp: return [kind(domain, .stream, tcp)]
        case .udp: return [kind(domain, .dgram, udp)]
        case .ip, .ipv6:
            if r.types == [.stream] { return [kind(domain, .stream, tcp)] }
            // Options of raw sockets: on a raw socket where this process may open one (some,
            // like ipv6.checksum, exist only there), else on UDP, which has most of them.
            if r.types == [.raw] {
                let icmp = Int32(domain == .inet6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP)
                return [kind(domain, .raw, icmp), kind(domain, .dgram, udp)]
            }
            return [kind(domain, .dgram, udp)]
        default:
            return [kind(domain, .stream, tcp)]
        }
    }
}

/// Whether this kernel has SCTP.
enum SCTPSupport {
    static let available: Bool = {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), Int32(IPPROTO_SCTP))
        if fd >= 0 { _ = Glibc.close(fd); return true }
        return false
    }()
}
