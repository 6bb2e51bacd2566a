#if canImport(Glibc)
import Glibc
#endif

/// A socket address: IPv4, IPv6, a Unix path or a Linux abstract Unix name.
public enum SocketAddress: Sendable, Hashable, CustomStringConvertible {
    case inet(IPv4Address, port: UInt16)
    case inet6(IPv6Address, port: UInt16, flowInfo: UInt32 = 0, scopeID: UInt32 = 0)
    /// A Unix socket at a file system path.
    case local(path: String)
    /// A Linux abstract Unix socket name (no file; the leading NUL is implied).
    case abstract(name: [UInt8])
    /// An unnamed Unix socket (what an unbound Unix socket reports).
    case unnamed

    /// The address's domain.
    public var domain: Domain {
        switch self {
        case .inet: return .inet
        case .inet6: return .inet6
        case .local, .abstract, .unnamed: return .local
        }
    }

    /// The port of an IP address, nil for Unix addresses.
    public var port: UInt16? {
        switch self {
        case .inet(_, let p), .inet6(_, let p, _, _): return p
        default: return nil
        }
    }

    /// Parses `host:port`, `[v6]:port` or a Unix path (starting with `/`); nil when invalid.
    public init?(_ text: String) {
        if text.hasPrefix("/") { self = .local(path: text); return }
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"),
                  let a = IPv6Address(String(text[text.index(after: text.startIndex)..<close])),
                  text[text.index(after: close)...].first == ":",
                  let p = UInt16(text[text.index(close, offsetBy: 2)...]) else { return nil }
            self = .inet6(a, port: p)
            return
        }
        guard let colon = text.lastIndex(of: ":"),
              let a = IPv4Address(String(text[..<colon])),
              let p = UInt16(text[text.index(after: colon)...]) else { return nil }
        self = .inet(a, port: p)
    }

    public var description: String {
        switch self {
        case .inet(let a, let p): return "\(a):\(p)"
        case .inet6(let a, let p, _, _): return "[\(a)]:\(p)"
        case .local(let path): return path
        case .abstract(let name): return "@" + String(decoding: name, as: UTF8.self)
        case .unnamed: return "(unnamed)"
        }
    }
}

/// The symbolic addresses OTP's `bind/2` accepts, resolved for the socket's domain.
public enum AddressShortcut: String, Sendable, Hashable {
    case any, loopback, broadcast

    /// The concrete address for `domain`, or nil where the shortcut has no meaning
    /// (`broadcast` on IPv6, anything on Unix sockets).
    public func address(for domain: Domain, port: UInt16) -> SocketAddress? {
        switch (self, domain) {
        case (.any, .inet): return .inet(.any, port: port)
        case (.loopback, .inet): return .inet(.loopback, port: port)
        case (.broadcast, .inet): return .inet(.broadcast, port: port)
        case (.any, .inet6): return .inet6(.any, port: port)
        case (.loopback, .inet6): return .inet6(.loopback, port: port)
        default: return nil
        }
    }
}

/// An IPv4 address.
public struct IPv4Address: Sendable, Hashable, CustomStringConvertible {
    /// The four bytes, most significant first.
    public var bytes: (UInt8, UInt8, UInt8, UInt8)

    /// An address from its four bytes.
    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) { bytes = (a, b, c, d) }

    /// Parses dotted-quad text; nil when invalid.
    public init?(_ text: String) {
        var addr = in_addr()
        // inet_pton stops at a NUL: text after one would be dropped, not refused.
        guard !text.utf8.contains(0), inet_pton(AF_INET, text, &addr) == 1 else { return nil }
        self.init(networkOrder: addr.s_addr)
    }

    init(networkOrder v: UInt32) {
        let h = UInt32(bigEndian: v)
        bytes = (UInt8(h >> 24), UInt8((h >> 16) & 0xff), UInt8((h >> 8) & 0xff), UInt8(h & 0xff))
    }

    var networkOrder: UInt32 {
        (UInt32(bytes.0) << 24 | UInt32(bytes.1) << 16 | UInt32(bytes.2) << 8 | UInt32(bytes.3)).bigEndian
    }

    public static let any = IPv4Address(0, 0, 0, 0)
    public static let loopback = IPv4Address(127, 0, 0, 1)
    public static let broadcast = IPv4Address(255, 255, 255, 255)

    public static func == (l: Self, r: Self) -> Bool { l.networkOrder == r.networkOrder }
    public func hash(into h: inout Hasher) { h.combine(networkOrder) }
    public var description: String { "\(bytes.0).\(bytes.1).\(bytes.2).\(bytes.3)" }
}

/// An IPv6 address.
public struct IPv6Address: Sendable, Hashable, CustomStringConvertible {
    /// The sixteen bytes, most significant first.
    public var bytes: [UInt8]

    /// An address from sixteen bytes; nil for any other count.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// Parses IPv6 text; nil when invalid.
    public init?(_ text: String) {
        var addr = in6_addr()
        guard !text.utf8.contains(0), inet_pton(AF_INET6, text, &addr) == 1 else { return nil }
        bytes = withUnsafeBytes(of: &addr) { Array($0) }
    }

    public static let any = IPv6Address(bytes: [UInt8](repeating: 0, count: 16))!
    public static let loopback = IPv6Address(bytes: [UInt8](repeating: 0, count: 15) + [1])!

    public var description: String {
        var addr = in6_addr()
        withUnsafeMutableBytes(of: &addr) { $0.copyBytes(from: bytes) }
        var buf = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        inet_ntop(AF_INET6, &addr, &buf, socklen_t(buf.count))
        return String(decoding: buf.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
