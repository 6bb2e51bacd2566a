#if canImport(Glibc)
import Glibc
#endif

/// A communication domain (OTP's `domain()`).
public enum Domain: String, Sendable, Hashable, CaseIterable {
    case inet, inet6, local

    /// The domain of an `AF_*` number, if ESock has it.
    init?(raw: Int32) {
        guard let d = Domain.allCases.first(where: { $0.raw == raw }) else { return nil }
        self = d
    }

    var raw: Int32 {
        switch self {
        case .inet: return AF_INET
        case .inet6: return AF_INET6
        case .local: return AF_UNIX
        }
    }
}

/// A socket type (OTP's `type()`).
public enum SocketType: String, Sendable, Hashable, CaseIterable {
    case stream, dgram, seqpacket, raw

    /// The type of a `SOCK_*` number, if ESock has it.
    init?(raw: Int32) {
        guard let t = SocketType.allCases.first(where: { $0.raw == raw }) else { return nil }
        self = t
    }

    var raw: Int32 {
        switch self {
        case .stream: return Int32(SOCK_STREAM.rawValue)
        case .dgram: return Int32(SOCK_DGRAM.rawValue)
        case .seqpacket: return Int32(SOCK_SEQPACKET.rawValue)
        case .raw: return Int32(SOCK_RAW.rawValue)
        }
    }
}

/// A protocol (OTP's `protocol()`); `.default` lets the kernel choose for the domain and type.
public enum SocketProtocol: String, Sendable, Hashable, CaseIterable {
    case `default`, tcp, udp, sctp, icmp

    /// The protocol of an `IPPROTO_*` number; `.default` for 0 and those ESock does not name.
    init(raw: Int32) {
        self = SocketProtocol.allCases.first(where: { $0.raw == raw }) ?? .default
    }

    var raw: Int32 {
        switch self {
        case .default: return 0
        case .tcp: return Int32(IPPROTO_TCP)
        case .udp: return Int32(IPPROTO_UDP)
        case .sctp: return Int32(IPPROTO_SCTP)
        case .icmp: return Int32(IPPROTO_ICMP)
        }
    }

    /// The protocol the kernel picks for `.default`, so `info` reports what is in use.
    static func resolved(_ p: SocketProtocol, domain: Domain, type: SocketType) -> SocketProtocol {
        guard p == .default, domain != .local else { return p }
        switch type {
        case .stream: return .tcp
        case .dgram: return .udp
        default: return p
        }
    }
}

/// Which half of a connection `shutdown` closes.
public enum ShutdownHow: String, Sendable, Hashable {
    case read, write, readWrite = "read_write"

    var raw: Int32 {
        switch self {
        case .read: return Int32(SHUT_RD)
        case .write: return Int32(SHUT_WR)
        case .readWrite: return Int32(SHUT_RDWR)
        }
    }
}
