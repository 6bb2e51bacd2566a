/// An option value (OTP's option value types, one case per shape).
///
/// Which case an option takes is part of its row in the option table; any other case is
/// `invalid(socketOption(level, name))`. Where OTP accepts an atom or a number (`ip.tos`,
/// `ip.mtu_discover`) both the named case and `.int` are accepted, and getopt answers the
/// named case when the kernel's number has a name.
public enum OptionValue: Sendable, Hashable, CustomStringConvertible {
    /// A boolean option.
    case bool(Bool)
    /// An integer option (a C `int`: values outside its range are invalid).
    case int(Int)
    /// A string option (`socket.bindtodevice`, `tcp.congestion`, `otp.meta`).
    case string(String)
    /// `linger`: nil is off; a number of seconds is on (0 is OTP's `abort`).
    case linger(Int?)
    /// A domain (`socket.domain`; `ipv6.addrform` takes `.inet`).
    case domain(Domain)
    /// A socket type (`socket.type`).
    case type(SocketType)
    /// A protocol (`socket.protocol`).
    case `protocol`(SocketProtocol)
    /// An IPv4 address (`ip.multicast_if`; `IPv4Address.any` is OTP's `any`).
    case ipv4(IPv4Address)
    /// OTP's `default` for options that accept it when set (`otp.rcvbuf`, `ipv6.unicast_hops`).
    case `default`
    /// A pair of integers (`{otp, rcvbuf}` as `{N, Size}`).
    case pair(Int, Int)
    /// A time value in microseconds (`rcvtimeo`, `sndtimeo`).
    case microseconds(Int)
    /// `ip.tos` by name.
    case tos(TypeOfService)
    /// `ip.mtu_discover`, `ipv6.mtu_discover`.
    case mtuDiscover(MTUDiscover)
    /// `ip.add_membership`, `ip.drop_membership` (OTP's `ip_mreq()`).
    case ipMembership(IPMembership)
    /// `ip.add_source_membership` and the other source filters (OTP's `ip_mreq_source()`).
    case ipSourceMembership(IPSourceMembership)
    /// `ip.msfilter`; nil is OTP's `null`.
    case ipMulticastFilter(IPMulticastFilter?)
    /// `ipv6.add_membership`, `ipv6.drop_membership` (OTP's `ipv6_mreq()`).
    case ipv6Membership(IPv6Membership)
    /// `ip.pktoptions`: the IP options of the last packet, as control messages.
    case controlMessages([ControlMessage])
    /// `sctp.associnfo`.
    case sctpAssocParams(SCTPAssocParams)
    /// `sctp.initmsg`.
    case sctpInitMsg(SCTPInitMsg)
    /// `sctp.rtoinfo`.
    case sctpRTOInfo(SCTPRTOInfo)
    /// `sctp.events`.
    case sctpEvents(SCTPEventSubscribe)

    public var description: String {
        switch self {
        case .bool(let b): return "\(b)"
        case .int(let n): return "\(n)"
        case .string(let s): return "\"\(s)\""
        case .linger(let l): return l.map { "#{onoff => true, linger => \($0)}" } ?? "#{onoff => false, linger => 0}"
        case .domain(let d): return d.rawValue
        case .type(let t): return t.rawValue
        case .protocol(let p): return p.rawValue
        case .ipv4(let a): return "\(a)"
        case .default: return "default"
        case .pair(let a, let b): return "{\(a), \(b)}"
        case .microseconds(let us): return "\(us) us"
        case .tos(let t): return t.rawValue
        case .mtuDiscover(let m): return m.rawValue
        case .ipMembership(let m): return "\(m)"
        case .ipSourceMembership(let m): return "\(m)"
        case .ipMulticastFilter(let f): return f.map { "\($0)" } ?? "null"
        case .ipv6Membership(let m): return "\(m)"
        case .controlMessages(let c): return "\(c.count) control messages"
        case .sctpAssocParams(let p): return "\(p)"
        case .sctpInitMsg(let m): return "\(m)"
        case .sctpRTOInfo(let r): return "\(r)"
        case .sctpEvents(let e): return "\(e)"
        }
    }
}

/// The named values of `ip.tos` (OTP's `ip_tos()`).
public enum TypeOfService: String, Sendable, Hashable, CaseIterable {
    /// IPTOS_LOWDELAY.
    case lowdelay
    /// IPTOS_THROUGHPUT.
    case throughput
    /// IPTOS_RELIABILITY.
    case reliability
    /// IPTOS_MINCOST.
    case mincost

    /// The IPTOS_* bits.
    public var rawBits: Int {
        switch self {
        case .lowdelay: return 0x10
        case .throughput: return 0x08
        case .reliability: return 0x04
        case .mincost: return 0x02
        }
    }

    /// The name for `bits`, nil when they have none.
    public init?(bits: Int) {
        guard let t = Self.allCases.first(where: { $0.rawBits == bits }) else { return nil }
        self = t
    }
}

/// Path MTU discovery modes (OTP's `ip_pmtudisc()` / `ipv6_pmtudisc()`).
public enum MTUDiscover: String, Sendable, Hashable, CaseIterable {
    /// Never set the don't-fragment flag.
    case dont
    /// Use per-route hints.
    case want
    /// Always set the don't-fragment flag.
    case `do`
    /// Set it, and ignore the path MTU.
    case probe

    /// The IP_PMTUDISC_* number (the same numbers at level ipv6).
    public var rawMode: Int {
        switch self {
        case .dont: return 0
        case .want: return 1
        case .do: return 2
        case .probe: return 3
        }
    }

    /// The name for `mode`, nil when it has none.
    public init?(mode: Int) {
        guard let m = Self.allCases.first(where: { $0.rawMode == mode }) else { return nil }
        self = m
    }
}

/// An IPv4 multicast group request (`struct ip_mreq`).
public struct IPMembership: Sendable, Hashable, CustomStringConvertible {
    /// The group.
    public var multiaddr: IPv4Address
    /// The local interface's address; `.any` lets the kernel choose.
    public var interface: IPv4Address

    /// A request for `multiaddr` on the interface with address `interface`.
    public init(multiaddr: IPv4Address, interface: IPv4Address = .any) {
        self.multiaddr = multiaddr
        self.interface = interface
    }

    public var description: String { "#{multiaddr => \(multiaddr), interface => \(interface)}" }
}

/// An IPv4 source-specific multicast request (`struct ip_mreq_source`).
public struct IPSourceMembership: Sendable, Hashable, CustomStringConvertible {
    /// The group.
    public var multiaddr: IPv4Address
    /// The local interface's address; `.any` lets the kernel choose.
    public var interface: IPv4Address
    /// The source to join, leave, block or unblock.
    public var sourceaddr: IPv4Address

    /// A request for `sourceaddr`'s traffic to `multiaddr` on `interface`.
    public init(multiaddr: IPv4Address, interface: IPv4Address = .any, sourceaddr: IPv4Address) {
        self.multiaddr = multiaddr
        self.interface = interface
        self.sourceaddr = sourceaddr
    }

    public var description: String {
        "#{multiaddr => \(multiaddr), interface => \(interface), sourceaddr => \(sourceaddr)}"
    }
}

/// An IPv4 multicast source filter (`struct ip_msfilter`, OTP's `ip_msfilter()`).
public struct IPMulticastFilter: Sendable, Hashable, CustomStringConvertible {
    /// Whether `sources` are the only ones let in, or the ones kept out.
    public enum Mode: String, Sendable, Hashable {
        /// Only `sources` are let in.
        case include
        /// Everyone but `sources` is let in.
        case exclude
    }

    /// The group.
    public var multiaddr: IPv4Address
    /// The local interface's address.
    public var interface: IPv4Address
    /// How `sources` are used.
    public var mode: Mode
    /// The sources the filter names.
    public var sources: [IPv4Address]

    /// A filter for `multiaddr` on `interface`.
    public init(multiaddr: IPv4Address, interface: IPv4Address = .any, mode: Mode, sources: [IPv4Address]) {
        self.multiaddr = multiaddr
        self.interface = interface
        self.mode = mode
        self.sources = sources
    }

    public var description: String {
        "#{multiaddr => \(multiaddr), interface => \(interface), mode => \(mode.rawValue), slist => \(sources)}"
    }
}

/// An IPv6 multicast group request (`struct ipv6_mreq`).
public struct IPv6Membership: Sendable, Hashable, CustomStringConvertible {
    /// The group.
    public var multiaddr: IPv6Address
    /// The interface index; 0 lets the kernel choose.
    public var interface: UInt32

    /// A request for `multiaddr` on interface number `interface`.
    public init(multiaddr: IPv6Address, interface: UInt32 = 0) {
        self.multiaddr = multiaddr
        self.interface = interface
    }

    public var description: String { "#{multiaddr => \(multiaddr), interface => \(interface)}" }
}
