/// The level an option lives at (OTP's option levels).
public enum OptionLevel: String, Sendable, Hashable, CaseIterable {
    case otp, socket, ip, ipv6, tcp, udp, sctp
}

/// An option name at a level, as OTP writes `{Level, Name}` (`{tcp, nodelay}`).
///
/// Any level and name can be written; ``SocketAPI/setopt(_:_:_:)`` and
/// ``SocketAPI/getopt(_:_:)`` answer `invalid(socketOption(level, name))` for a name the
/// option table does not know. ``supports()`` lists the names it knows.
public struct SocketOption: Sendable, Hashable, CustomStringConvertible {
    /// The option's level.
    public let level: OptionLevel
    /// The option's name as OTP spells it (`nodelay`, `add_membership`).
    public let name: String

    /// The option `{level, name}`.
    public init(_ level: OptionLevel, _ name: String) {
        self.level = level
        self.name = name
    }

    public var description: String { "{\(level.rawValue), \(name)}" }

    /// `{socket, reuseaddr}`.
    public static let reuseaddr = SocketOption(.socket, "reuseaddr")
    /// `{socket, reuseport}`.
    public static let reuseport = SocketOption(.socket, "reuseport")
    /// `{socket, keepalive}`.
    public static let keepalive = SocketOption(.socket, "keepalive")
    /// `{socket, linger}`.
    public static let linger = SocketOption(.socket, "linger")
    /// `{socket, rcvbuf}` (the kernel's receive buffer; ESock's read size is `{otp, rcvbuf}`).
    public static let rcvbuf = SocketOption(.socket, "rcvbuf")
    /// `{socket, sndbuf}`.
    public static let sndbuf = SocketOption(.socket, "sndbuf")
    /// `{socket, broadcast}`.
    public static let broadcast = SocketOption(.socket, "broadcast")
    /// `{tcp, nodelay}`.
    public static let nodelay = SocketOption(.tcp, "nodelay")
    /// `{otp, use_registry}` (get only: fixed when the socket is opened).
    public static let useRegistry = SocketOption(.otp, "use_registry")

    /// The `invalid` error for this option.
    var invalid: SocketError { .invalid(.socketOption(level: level.rawValue, name: name)) }
}
