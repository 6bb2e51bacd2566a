/// The flags of a network interface (`SIOCGIFFLAGS`): OTP's list of atoms from
/// `socket:ioctl(S, gifflags, Name)` (`[up, loopback, running]`).
public struct InterfaceFlags: OptionSet, Sendable, Hashable, CustomStringConvertible {
    /// The kernel's `IFF_*` bits (the low 16 bits of `ifr_flags`).
    public let rawValue: UInt16
    /// Flags from the kernel's bits.
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// `up`: the interface is up.
    public static let up = InterfaceFlags(rawValue: 0x1)
    /// `broadcast`: the broadcast address is valid.
    public static let broadcast = InterfaceFlags(rawValue: 0x2)
    /// `debug`: debugging is on.
    public static let debug = InterfaceFlags(rawValue: 0x4)
    /// `loopback`: a loopback interface.
    public static let loopback = InterfaceFlags(rawValue: 0x8)
    /// `pointopoint`: a point-to-point link.
    public static let pointopoint = InterfaceFlags(rawValue: 0x10)
    /// `notrailers`: avoid trailers.
    public static let notrailers = InterfaceFlags(rawValue: 0x20)
    /// `running`: resources are allocated (the link is operational).
    public static let running = InterfaceFlags(rawValue: 0x40)
    /// `noarp`: no ARP.
    public static let noarp = InterfaceFlags(rawValue: 0x80)
    /// `promisc`: receives every packet.
    public static let promisc = InterfaceFlags(rawValue: 0x100)
    /// `allmulti`: receives every multicast packet.
    public static let allmulti = InterfaceFlags(rawValue: 0x200)
    /// `master`: a load-balancing master.
    public static let master = InterfaceFlags(rawValue: 0x400)
    /// `slave`: a load-balancing slave.
    public static let slave = InterfaceFlags(rawValue: 0x800)
    /// `multicast`: supports multicast.
    public static let multicast = InterfaceFlags(rawValue: 0x1000)
    /// `portsel`: can select the media type.
    public static let portsel = InterfaceFlags(rawValue: 0x2000)
    /// `automedia`: selects the media type automatically.
    public static let automedia = InterfaceFlags(rawValue: 0x4000)
    /// `dynamic`: the addresses are lost when the interface goes down.
    public static let dynamic = InterfaceFlags(rawValue: 0x8000)

    /// Each flag with OTP's name for it, in the kernel's bit order.
    public static let named: [(flag: InterfaceFlags, name: String)] = [
        (.up, "up"), (.broadcast, "broadcast"), (.debug, "debug"), (.loopback, "loopback"),
        (.pointopoint, "pointopoint"), (.notrailers, "notrailers"), (.running, "running"),
        (.noarp, "noarp"), (.promisc, "promisc"), (.allmulti, "allmulti"), (.master, "master"),
        (.slave, "slave"), (.multicast, "multicast"), (.portsel, "portsel"),
        (.automedia, "automedia"), (.dynamic, "dynamic"),
    ]

    /// OTP's names of the flags that are set, as `gifflags` lists them.
    public var names: [String] { Self.named.filter { contains($0.flag) }.map(\.name) }

    public var description: String { "[" + names.joined(separator: ", ") + "]" }
}

/// A link-layer address (`SIOCGIFHWADDR`): OTP's `#{family := Family, addr := Bytes}`.
public struct HardwareAddress: Sendable, Hashable, CustomStringConvertible {
    /// The `ARPHRD_*` hardware type (1 Ethernet, 772 loopback): OTP's `family`.
    public var type: UInt16
    /// The address bytes as the kernel gives them (the 14 bytes of `sa_data`, OTP's `addr`).
    public var bytes: [UInt8]

    /// A hardware address of `type` with `bytes`.
    public init(type: UInt16, bytes: [UInt8]) {
        self.type = type
        self.bytes = bytes
    }

    /// The first six bytes: the MAC address of an Ethernet-like interface.
    public var mac: [UInt8] { Array(bytes.prefix(6)) }

    /// `ARPHRD_ETHER`.
    public static let ether: UInt16 = 1
    /// `ARPHRD_LOOPBACK`.
    public static let loopback: UInt16 = 772

    public var description: String {
        let family = type == Self.ether ? "ether" : type == Self.loopback ? "loopback" : "\(type)"
        let hex = mac.map { b in (b < 16 ? "0" : "") + String(b, radix: 16) }
        return "\(family) " + hex.joined(separator: ":")
    }
}

/// One entry of `SIOCGIFCONF` (OTP's `gifconf`): an interface with an IPv4 address.
public struct InterfaceAddress: Sendable, Hashable {
    /// The interface's name (`lo`, `eth0`, ...).
    public var name: String
    /// Its address (port 0).
    public var address: SocketAddress

    /// An entry for `name` with `address`.
    public init(name: String, address: SocketAddress) {
        self.name = name
        self.address = address
    }
}
