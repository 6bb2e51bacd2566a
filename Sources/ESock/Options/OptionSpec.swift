/// One row of the option table: the seed's tables (and OTP's option list) as data.
struct OptionSpec: Sendable {
    /// The value shape the option takes and gives; it picks the ``OptionValue`` cases
    /// accepted and the C layout (see ``OptionCodec``).
    enum Kind: Sendable, Hashable {
        case bool, int
        /// An int, or `.default` (stored as -1: `ipv6.unicast_hops`, `multicast_hops`).
        case hops
        /// A string of at most `max` bytes, no NUL (`bindtodevice`, `congestion`).
        case string(max: Int)
        case linger
        case timeval
        case domain, type, `protocol`
        /// ESock's own: `otp.rcvbuf` (int, `{N, Size}` or default) and the control buffer sizes.
        case bufferSize, ctrlBufferSize
        /// `ip.multicast_if`: an IPv4 address.
        case ipv4Interface
        case tos, mtuDiscover
        case ipMembership, ipSourceMembership, ipMulticastFilter, ipv6Membership
        /// `ipv6.addrform`: only `.domain(.inet)`.
        case addrform
        case controlMessages
        /// `otp.assoc_id`: the association id field of `sctp_assocparams`.
        case assocID
        case sctpAssocParams, sctpInitMsg, sctpRTOInfo, sctpEvents
    }

    /// Which calls may use the option.
    enum Access: Sendable { case getSet, get, set }

    /// Where the value lives.
    enum Storage: Sendable {
        /// In the kernel, read and written with get/setsockopt at this level and name.
        case kernel(level: Int32, name: Int32)
        /// In ESock (level `otp`, and the socket's fixed domain, type and protocol).
        case esock
        /// Nowhere on this platform: the option exists on other systems only.
        case elsewhere
    }

    let option: SocketOption
    let kind: Kind
    let settable: Bool
    let gettable: Bool
    let storage: Storage
    let requires: OptionRequirements

    init(_ level: OptionLevel, _ name: String, _ kind: Kind, _ access: Access, _ storage: Storage,
         _ requires: OptionRequirements = OptionRequirements()) {
        self.option = SocketOption(level, name)
        self.kind = kind
        self.settable = access != .get
        self.gettable = access != .set
        self.storage = storage
        self.requires = requires
    }

    /// Whether this build on this platform has the option at all (before asking the kernel).
    var isAvailable: Bool {
        if case .elsewhere = storage { return false }
        guard requires.platforms.contains(.current) else { return false }
        if requires.build == .rcvSndTimeo {
            #if RcvSndTimeo
            return true
            #else
            return false
            #endif
        }
        return true
    }
}

/// What an option needs, from the seed's "Other Requirements" column.
///
/// Only `platforms`, `build` and, where `checked` is set, the socket kind are checked by ESock
/// (as OTP checks them): an unmet one is `invalid(socketOption(level, name))`. The rest are
/// recorded for the reader and for the support probe, and left to the kernel, which answers
/// with an errno (`enotsup`, `enoprotoopt`, `eperm`, ...), as OTP leaves them.
struct OptionRequirements: Sendable {
    /// Socket types the option is meant for (nil: any).
    var types: Set<SocketType>? = nil
    /// Domains the option is meant for (nil: any).
    var domains: Set<Domain>? = nil
    /// Protocols the option is meant for (nil: any).
    var protocols: Set<SocketProtocol>? = nil
    /// A capability the kernel asks for to set it (the kernel answers `eperm` without it).
    var privilege: Privilege? = nil
    /// The systems that have the option.
    var platforms: Platforms = .all
    /// A build switch the option needs.
    var build: BuildSwitch? = nil
    /// ESock checks `types`, `domains` and `protocols` itself (OTP does, for these options).
    var checked = false

    /// Whether `socket` is of a kind the row names (types, domains, protocols).
    func admits(_ socket: Socket) -> Bool {
        if let t = types, !t.contains(socket.type) { return false }
        if let d = domains, !d.contains(socket.domain) { return false }
        if let p = protocols, !p.contains(socket.protocol) { return false }
        return true
    }
}

/// Capabilities some options need (Linux names).
enum Privilege: String, Sendable {
    /// `CAP_NET_ADMIN` (`ip.transparent`, `socket.debug`, high `socket.priority`).
    case netAdmin = "CAP_NET_ADMIN"
    /// `CAP_NET_RAW` (raw sockets, `ipv6.router_alert` on some kernels).
    case netRaw = "CAP_NET_RAW"
}

/// The build switches options depend on (package traits).
enum BuildSwitch: String, Sendable {
    /// Trait `RcvSndTimeo` (OTP's `--enable-esock-rcvsndtime`).
    case rcvSndTimeo = "RcvSndTimeo"
}

/// The operating systems an option exists on.
struct Platforms: OptionSet, Sendable {
    let rawValue: UInt8
    static let linux = Platforms(rawValue: 1 << 0)
    static let bsd = Platforms(rawValue: 1 << 1)
    static let darwin = Platforms(rawValue: 1 << 2)
    static let solaris = Platforms(rawValue: 1 << 3)
    static let windows = Platforms(rawValue: 1 << 4)
    static let all: Platforms = [.linux, .bsd, .darwin, .solaris, .windows]

    /// The system this build runs on.
    static var current: Platforms {
        #if os(Linux)
        return .linux
        #elseif os(Windows)
        return .windows
        #elseif canImport(Darwin)
        return .darwin
        #else
        return .bsd
        #endif
    }
}
