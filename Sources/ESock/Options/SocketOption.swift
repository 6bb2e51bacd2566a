/// The level an option lives at (OTP's option levels).
public enum OptionLevel: String, Sendable, Hashable, CaseIterable {
    case otp, socket, ip, ipv6, tcp, udp, sctp
}

/// An option name at a level, as OTP writes `{Level, Name}` (`{tcp, nodelay}`).
public struct SocketOption: Sendable, Hashable, CustomStringConvertible {
    public let level: OptionLevel
    public let name: String

    public init(_ level: OptionLevel, _ name: String) {
        self.level = level
        self.name = name
    }

    public var description: String { "{\(level.rawValue), \(name)}" }

    public static let reuseaddr = SocketOption(.socket, "reuseaddr")
    public static let reuseport = SocketOption(.socket, "reuseport")
    public static let keepalive = SocketOption(.socket, "keepalive")
    public static let linger = SocketOption(.socket, "linger")
    public static let rcvbuf = SocketOption(.socket, "rcvbuf")
    public static let sndbuf = SocketOption(.socket, "sndbuf")
    public static let broadcast = SocketOption(.socket, "broadcast")
    public static let nodelay = SocketOption(.tcp, "nodelay")

    /// The `invalid` error for this option.
    var invalid: SocketError { .invalid(.socketOption(level: level.rawValue, name: name)) }
}

/// An option value (OTP's option value types).
public enum OptionValue: Sendable, Hashable, CustomStringConvertible {
    case bool(Bool)
    case int(Int)
    case string(String)
    /// `linger`: nil is off; a number of seconds is on.
    case linger(Int?)
    case domain(Domain)
    case type(SocketType)
    case `protocol`(SocketProtocol)
    case ipv4(IPv4Address)
    /// OTP's `default` for options that accept it when set.
    case `default`
    /// A pair of integers (`{otp, rcvbuf}` as `{N, Size}`).
    case pair(Int, Int)
    /// A time value in microseconds (`rcvtimeo`, `sndtimeo`).
    case microseconds(Int)

    public var description: String {
        switch self {
        case .bool(let b): return "\(b)"
        case .int(let n): return "\(n)"
        case .string(let s): return "\"\(s)\""
        case .linger(let l): return l.map { "{true, \($0)}" } ?? "{false, 0}"
        case .domain(let d): return d.rawValue
        case .type(let t): return t.rawValue
        case .protocol(let p): return p.rawValue
        case .ipv4(let a): return "\(a)"
        case .default: return "default"
        case .pair(let a, let b): return "{\(a), \(b)}"
        case .microseconds(let us): return "\(us) us"
        }
    }
}
