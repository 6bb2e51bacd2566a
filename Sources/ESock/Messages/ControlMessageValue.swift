/// A control message (`cmsghdr`) decoded: OTP's `#{level := Level, type := Type, value :=
/// Value}` for the kinds OTP decodes. ``ControlMessage/value`` decodes a received one;
/// ``ControlMessage/init(_:)`` encodes one to send.
///
/// | OTP `{level, type}` | Swift | value |
/// |---|---|---|
/// | `{ip, pktinfo}` | ``ipPacketInfo(_:)`` | ``IPv4PacketInfo`` (`ifindex`, `spec_dst`, `addr`) |
/// | `{ip, tos}` | ``tos(_:)`` | the TOS byte |
/// | `{ip, ttl}` | ``ttl(_:)`` | `Int` |
/// | `{ip, recverr}` | ``ipRecvErr(_:)`` | ``ExtendedError`` |
/// | `{ipv6, pktinfo}` | ``ipv6PacketInfo(_:)`` | ``IPv6PacketInfo`` (`addr`, `ifindex`) |
/// | `{ipv6, hoplimit}` | ``hopLimit(_:)`` | `Int` |
/// | `{ipv6, tclass}` | ``trafficClass(_:)`` | `Int` |
/// | `{ipv6, recverr}` | ``ipv6RecvErr(_:)`` | ``ExtendedError`` |
/// | `{socket, timestamp}` | ``timestamp(seconds:microseconds:)`` | a `timeval` |
/// | `{socket, credentials}` | ``credentials(pid:uid:gid:)`` | `ucred` |
/// | `{socket, rights}` | ``rights(_:)`` | descriptors |
public enum ControlMessageValue: Sendable, Hashable {
    /// `IP_PKTINFO`: the interface and addresses of a received (or to send) IPv4 datagram.
    case ipPacketInfo(IPv4PacketInfo)
    /// `IPV6_PKTINFO`: the interface and destination address of an IPv6 datagram.
    case ipv6PacketInfo(IPv6PacketInfo)
    /// `IP_TOS`: the type-of-service byte (received as one byte, sent as an `int`).
    case tos(UInt8)
    /// `IP_TTL`: the time to live.
    case ttl(Int)
    /// `IPV6_HOPLIMIT`: the hop limit.
    case hopLimit(Int)
    /// `IPV6_TCLASS`: the traffic class.
    case trafficClass(Int)
    /// `SO_TIMESTAMP`: when the datagram arrived, as a `timeval` since the epoch.
    case timestamp(seconds: Int, microseconds: Int)
    /// `IP_RECVERR`: an error from the socket's error queue (`MSG_ERRQUEUE`).
    case ipRecvErr(ExtendedError)
    /// `IPV6_RECVERR`: an error from an IPv6 socket's error queue.
    case ipv6RecvErr(ExtendedError)
    /// `SCM_CREDENTIALS`: the sender's process, user and group (Unix sockets, `passcred`).
    case credentials(pid: Int32, uid: UInt32, gid: UInt32)
    /// `SCM_RIGHTS`: passed descriptors. Received ones are the receiver's to close (see
    /// README, "Passed descriptors"); decoding does not change that.
    case rights([Int32])
}

/// `struct in_pktinfo`: OTP's `#{ifindex, spec_dst, addr}`.
public struct IPv4PacketInfo: Sendable, Hashable {
    /// The interface the datagram came in on (or is to leave by; 0: any).
    public var interfaceIndex: Int
    /// The local address used for routing (`ipi_spec_dst`; the source of a reply).
    public var specificDestination: IPv4Address
    /// The datagram's destination address from its header (`ipi_addr`).
    public var address: IPv4Address

    /// Packet info with the interface index and both addresses.
    public init(interfaceIndex: Int, specificDestination: IPv4Address, address: IPv4Address) {
        self.interfaceIndex = interfaceIndex
        self.specificDestination = specificDestination
        self.address = address
    }
}

/// `struct in6_pktinfo`: OTP's `#{addr, ifindex}`.
public struct IPv6PacketInfo: Sendable, Hashable {
    /// The destination address (received) or the source address to use (sent).
    public var address: IPv6Address
    /// The interface index (0: any).
    public var interfaceIndex: Int

    /// Packet info with an address and an interface index.
    public init(address: IPv6Address, interfaceIndex: Int) {
        self.address = address
        self.interfaceIndex = interfaceIndex
    }
}

/// `struct sock_extended_err` and the offender's address: OTP's `recverr` value
/// `#{error, origin, type, code, info, data, offender}`.
public struct ExtendedError: Sendable, Hashable {
    /// The error (`ee_errno`), `econnrefused` for a port unreachable.
    public var error: Errno
    /// Where it came from (`ee_origin`): see ``originName``.
    public var origin: UInt8
    /// The ICMP type (`ee_type`).
    public var type: UInt8
    /// The ICMP code (`ee_code`).
    public var code: UInt8
    /// Extra information (`ee_info`; the MTU for "fragmentation needed").
    public var info: UInt32
    /// More data (`ee_data`).
    public var data: UInt32
    /// The node that reported the error (`SO_EE_OFFENDER`), when there is one.
    public var offender: SocketAddress?

    /// An extended error with every field.
    public init(error: Errno, origin: UInt8, type: UInt8, code: UInt8, info: UInt32, data: UInt32,
                offender: SocketAddress?) {
        self.error = error
        self.origin = origin
        self.type = type
        self.code = code
        self.info = info
        self.data = data
        self.offender = offender
    }

    /// OTP's name of the origin: `none`, `local`, `icmp`, `icmp6`, `txstatus`, `zerocopy`,
    /// `txtime`, else the number.
    public var originName: String {
        let names = ["none", "local", "icmp", "icmp6", "txstatus", "zerocopy", "txtime"]
        return Int(origin) < names.count ? names[Int(origin)] : "\(origin)"
    }
}
