import CESockLinux
#if canImport(Glibc)
import Glibc
#endif

/// The rows of the option table: the seed's tables for levels otp, socket, ip, ipv6, tcp,
/// udp and sctp, plus the options OTP has that those tables leave out (OTP's option list in
/// `prim_socket_nif.c`), and a few Linux options OTP names but does not implement
/// (`tcp.keepcnt`, `keepidle`, `keepintvl`, `syncnt`, `user_timeout`, `socket.mark`, ...).
///
/// Columns: level, name, value kind, access, where the value lives, requirements. An option
/// of another system is `.elsewhere` with its platforms, so it is known (and answers
/// `invalid`, as OTP does for options the platform lacks) but never reaches the kernel.
enum OptionRows {
    private typealias R = OptionRequirements

    private static func so(_ name: Int32) -> OptionSpec.Storage { .kernel(level: SOL_SOCKET, name: name) }
    private static func ip(_ name: Int32) -> OptionSpec.Storage { .kernel(level: Int32(IPPROTO_IP), name: name) }
    private static func ip6(_ name: Int32) -> OptionSpec.Storage { .kernel(level: Int32(IPPROTO_IPV6), name: name) }
    private static func tcp(_ name: Int32) -> OptionSpec.Storage { .kernel(level: Int32(IPPROTO_TCP), name: name) }
    private static func udp(_ name: Int32) -> OptionSpec.Storage { .kernel(level: Int32(IPPROTO_UDP), name: name) }
    private static func sctp(_ name: Int32) -> OptionSpec.Storage { .kernel(level: Int32(IPPROTO_SCTP), name: name) }

    // Linux numbers Glibc does not export (uapi linux/in6.h and linux/sctp.h).
    private static let ipv6FlowInfo: Int32 = 11
    private static let sctpRTOInfo: Int32 = 0, sctpAssocInfo: Int32 = 1, sctpInitMsg: Int32 = 2
    private static let sctpNoDelay: Int32 = 3, sctpAutoClose: Int32 = 4, sctpDisableFragments: Int32 = 8
    private static let sctpEvents: Int32 = 11, sctpMaxSeg: Int32 = 13

    private static let notStream: Set<SocketType> = [.dgram, .raw, .seqpacket]
    private static let dgramRaw: Set<SocketType> = [.dgram, .raw]
    private static let bsdDarwin: Platforms = [.bsd, .darwin]

    static let all: [OptionSpec] = otp + socket + ip + ipv6 + tcp + udp + sctp

    static let otp: [OptionSpec] = [
        .init(.otp, "assoc_id", .assocID, .get, sctp(sctpAssocInfo), R(types: [.seqpacket], protocols: [.sctp], checked: true)),
        .init(.otp, "rcvbuf", .bufferSize, .getSet, .esock),
        .init(.otp, "rcvctrlbuf", .ctrlBufferSize, .getSet, .esock),
        .init(.otp, "sndctrlbuf", .ctrlBufferSize, .getSet, .esock),
        .init(.otp, "use_registry", .bool, .get, .esock),
        .init(.otp, "debug", .bool, .getSet, .esock),
        .init(.otp, "iow", .bool, .getSet, .esock),
        .init(.otp, "meta", .string(max: Int.max), .getSet, .esock),
        .init(.otp, "fd", .int, .get, .esock),
        .init(.otp, "domain", .domain, .get, .esock),
    ]

    static let socket: [OptionSpec] = [
        .init(.socket, "acceptconn", .bool, .get, so(SO_ACCEPTCONN)),
        .init(.socket, "acceptfilter", .string(max: 15), .getSet, .elsewhere, R(platforms: .bsd)),
        .init(.socket, "bindtodevice", .string(max: 15), .getSet, so(SO_BINDTODEVICE), R(domains: [.inet, .inet6])),
        .init(.socket, "broadcast", .bool, .getSet, so(SO_BROADCAST), R(types: [.dgram])),
        .init(.socket, "bsp_state", .int, .get, .elsewhere, R(platforms: .windows)),
        .init(.socket, "busy_poll", .int, .getSet, so(SO_BUSY_POLL), R(privilege: .netAdmin, platforms: .linux)),
        .init(.socket, "debug", .int, .getSet, so(SO_DEBUG), R(privilege: .netAdmin)),
        .init(.socket, "domain", .domain, .get, .esock),
        .init(.socket, "dontroute", .bool, .getSet, so(SO_DONTROUTE)),
        .init(.socket, "exclusiveaddruse", .bool, .getSet, .elsewhere, R(platforms: .windows)),
        .init(.socket, "keepalive", .bool, .getSet, so(SO_KEEPALIVE)),
        .init(.socket, "linger", .linger, .getSet, so(SO_LINGER)),
        .init(.socket, "mark", .int, .getSet, so(SO_MARK), R(privilege: .netAdmin, platforms: .linux)),
        .init(.socket, "maxdg", .int, .get, .elsewhere, R(platforms: .windows)),
        .init(.socket, "max_msg_size", .int, .get, .elsewhere, R(platforms: .windows)),
        .init(.socket, "oobinline", .bool, .getSet, so(SO_OOBINLINE)),
        .init(.socket, "passcred", .bool, .getSet, so(SO_PASSCRED), R(domains: [.local], platforms: .linux)),
        .init(.socket, "peek_off", .int, .getSet, so(SO_PEEK_OFF), R(domains: [.local], platforms: .linux)),
        .init(.socket, "priority", .int, .getSet, so(SO_PRIORITY), R(privilege: .netAdmin)),
        .init(.socket, "protocol", .protocol, .get, .esock),
        .init(.socket, "rcvbuf", .int, .getSet, so(SO_RCVBUF)),
        // Linux lets the *force options be set (with CAP_NET_ADMIN), not read.
        .init(.socket, "rcvbufforce", .int, .set, so(SO_RCVBUFFORCE), R(privilege: .netAdmin, platforms: .linux)),
        .init(.socket, "rcvlowat", .int, .getSet, so(SO_RCVLOWAT)),
        .init(.socket, "rcvtimeo", .timeval, .getSet, so(SO_RCVTIMEO), R(build: .rcvSndTimeo)),
        .init(.socket, "reuseaddr", .bool, .getSet, so(SO_REUSEADDR)),
        .init(.socket, "reuseport", .bool, .getSet, so(SO_REUSEPORT), R(domains: [.inet, .inet6])),
        .init(.socket, "rxq_ovfl", .bool, .getSet, so(SO_RXQ_OVFL), R(platforms: .linux)),
        .init(.socket, "setfib", .int, .set, .elsewhere, R(platforms: .bsd)),
        .init(.socket, "sndbuf", .int, .getSet, so(SO_SNDBUF)),
        .init(.socket, "sndbufforce", .int, .set, so(SO_SNDBUFFORCE), R(privilege: .netAdmin, platforms: .linux)),
        .init(.socket, "sndlowat", .int, .getSet, so(SO_SNDLOWAT)),
        .init(.socket, "sndtimeo", .timeval, .getSet, so(SO_SNDTIMEO), R(build: .rcvSndTimeo)),
        .init(.socket, "timestamp", .bool, .getSet, so(SO_TIMESTAMP)),
        .init(.socket, "type", .type, .get, .esock),
    ]

    static let ip: [OptionSpec] = [
        .init(.ip, "add_membership", .ipMembership, .set, ip(IP_ADD_MEMBERSHIP), R(types: dgramRaw)),
        .init(.ip, "add_source_membership", .ipSourceMembership, .set, ip(IP_ADD_SOURCE_MEMBERSHIP), R(types: dgramRaw)),
        .init(.ip, "block_source", .ipSourceMembership, .set, ip(IP_BLOCK_SOURCE), R(types: dgramRaw)),
        .init(.ip, "dontfrag", .bool, .getSet, .elsewhere, R(platforms: bsdDarwin)),
        .init(.ip, "drop_membership", .ipMembership, .set, ip(IP_DROP_MEMBERSHIP), R(types: dgramRaw)),
        .init(.ip, "drop_source_membership", .ipSourceMembership, .set, ip(IP_DROP_SOURCE_MEMBERSHIP), R(types: dgramRaw)),
        .init(.ip, "freebind", .bool, .getSet, ip(IP_FREEBIND), R(platforms: .linux)),
        .init(.ip, "hdrincl", .bool, .getSet, ip(IP_HDRINCL), R(types: [.raw])),
        .init(.ip, "minttl", .int, .getSet, ip(IP_MINTTL), R(types: [.raw])),
        .init(.ip, "msfilter", .ipMulticastFilter, .set, ip(IP_MSFILTER), R(types: dgramRaw)),
        .init(.ip, "mtu", .int, .get, ip(IP_MTU), R(types: [.raw])),
        .init(.ip, "mtu_discover", .mtuDiscover, .getSet, ip(IP_MTU_DISCOVER)),
        .init(.ip, "multicast_all", .bool, .getSet, ip(IP_MULTICAST_ALL), R(platforms: .linux)),
        .init(.ip, "multicast_if", .ipv4Interface, .getSet, ip(IP_MULTICAST_IF)),
        .init(.ip, "multicast_loop", .bool, .getSet, ip(IP_MULTICAST_LOOP)),
        .init(.ip, "multicast_ttl", .int, .getSet, ip(IP_MULTICAST_TTL)),
        .init(.ip, "nodefrag", .bool, .getSet, ip(IP_NODEFRAG), R(types: [.raw], platforms: .linux)),
        .init(.ip, "pktinfo", .bool, .getSet, ip(IP_PKTINFO), R(types: [.dgram])),
        .init(.ip, "pktoptions", .controlMessages, .get, ip(IP_PKTOPTIONS), R(types: [.stream], platforms: .linux)),
        .init(.ip, "recvdstaddr", .bool, .getSet, .elsewhere, R(types: [.dgram], platforms: bsdDarwin)),
        .init(.ip, "recverr", .bool, .getSet, ip(IP_RECVERR), R(platforms: .linux)),
        .init(.ip, "recvif", .bool, .getSet, .elsewhere, R(types: dgramRaw, platforms: bsdDarwin)),
        .init(.ip, "recvopts", .bool, .getSet, ip(IP_RECVOPTS), R(types: notStream)),
        .init(.ip, "recvorigdstaddr", .bool, .getSet, ip(IP_RECVORIGDSTADDR), R(platforms: .linux)),
        .init(.ip, "recvtos", .bool, .getSet, ip(IP_RECVTOS)),
        .init(.ip, "recvttl", .bool, .getSet, ip(IP_RECVTTL), R(types: notStream)),
        .init(.ip, "retopts", .bool, .getSet, ip(IP_RETOPTS), R(types: notStream)),
        .init(.ip, "router_alert", .int, .getSet, ip(IP_ROUTER_ALERT), R(types: [.raw])),
        .init(.ip, "sendsrcaddr", .bool, .getSet, .elsewhere, R(platforms: .bsd)),
        .init(.ip, "tos", .tos, .getSet, ip(IP_TOS), R(privilege: .netAdmin)),
        .init(.ip, "transparent", .bool, .getSet, ip(IP_TRANSPARENT), R(privilege: .netAdmin, platforms: .linux)),
        .init(.ip, "ttl", .int, .getSet, ip(IP_TTL)),
        .init(.ip, "unblock_source", .ipSourceMembership, .set, ip(IP_UNBLOCK_SOURCE), R(types: dgramRaw)),
    ]

    static let ipv6: [OptionSpec] = [
        .init(.ipv6, "addrform", .addrform, .set, ip6(IPV6_ADDRFORM), R(domains: [.inet6])),
        .init(.ipv6, "add_membership", .ipv6Membership, .set, ip6(IPV6_ADD_MEMBERSHIP), R(types: dgramRaw, domains: [.inet6])),
        .init(.ipv6, "authhdr", .bool, .getSet, ip6(IPV6_AUTHHDR), R(types: dgramRaw, domains: [.inet6])),
        .init(.ipv6, "auth_level", .int, .getSet, .elsewhere, R(platforms: .bsd)),
        .init(.ipv6, "checksum", .int, .getSet, ip6(IPV6_CHECKSUM), R(types: [.raw], domains: [.inet6])),
        .init(.ipv6, "drop_membership", .ipv6Membership, .set, ip6(IPV6_DROP_MEMBERSHIP), R(types: dgramRaw, domains: [.inet6])),
        .init(.ipv6, "dstopts", .bool, .getSet, ip6(IPV6_DSTOPTS), R(types: dgramRaw, domains: [.inet6], privilege: .netRaw)),
        .init(.ipv6, "esp_network_level", .int, .getSet, .elsewhere, R(platforms: .bsd)),
        .init(.ipv6, "esp_trans_level", .int, .getSet, .elsewhere, R(platforms: .bsd)),
        .init(.ipv6, "faith", .bool, .getSet, .elsewhere, R(platforms: .bsd)),
        .init(.ipv6, "flowinfo", .bool, .getSet, ip6(ipv6FlowInfo), R(types: dgramRaw, domains: [.inet6], privilege: .netRaw)),
        .init(.ipv6, "hoplimit", .bool, .getSet, ip6(IPV6_HOPLIMIT), R(types: dgramRaw, domains: [.inet6])),
        .init(.ipv6, "hopopts", .bool, .getSet, ip6(IPV6_HOPOPTS), R(types: dgramRaw, domains: [.inet6], privilege: .netRaw)),
        .init(.ipv6, "ipcomp_level", .int, .getSet, .elsewhere, R(platforms: .bsd)),
        .init(.ipv6, "join_group", .ipv6Membership, .set, ip6(IPV6_JOIN_GROUP), R(types: dgramRaw, domains: [.inet6])),
        .init(.ipv6, "leave_group", .ipv6Membership, .set, ip6(IPV6_LEAVE_GROUP), R(types: dgramRaw, domains: [.inet6])),
        .init(.ipv6, "mtu", .int, .getSet, ip6(IPV6_MTU), R(domains: [.inet6])),
        .init(.ipv6, "mtu_discover", .mtuDiscover, .getSet, ip6(IPV6_MTU_DISCOVER), R(domains: [.inet6])),
        .init(.ipv6, "multicast_hops", .hops, .getSet, ip6(IPV6_MULTICAST_HOPS), R(domains: [.inet6])),
        .init(.ipv6, "multicast_if", .int, .getSet, ip6(IPV6_MULTICAST_IF), R(types: dgramRaw, domains: [.inet6])),
        .init(.ipv6, "multicast_loop", .bool, .getSet, ip6(IPV6_MULTICAST_LOOP), R(domains: [.inet6])),
        .init(.ipv6, "pktinfo", .bool, .getSet, .elsewhere, R(types: dgramRaw, platforms: [.bsd, .darwin, .solaris])),
        .init(.ipv6, "portrange", .int, .getSet, .elsewhere, R(platforms: .bsd)),
        .init(.ipv6, "recverr", .bool, .getSet, ip6(IPV6_RECVERR), R(domains: [.inet6], platforms: .linux)),
        .init(.ipv6, "recvhoplimit", .bool, .getSet, ip6(IPV6_RECVHOPLIMIT), R(types: dgramRaw, domains: [.inet6])),
        .init(.ipv6, "recvpktinfo", .bool, .getSet, ip6(IPV6_RECVPKTINFO), R(types: dgramRaw, domains: [.inet6])),
        .init(.ipv6, "recvtclass", .bool, .getSet, ip6(IPV6_RECVTCLASS), R(types: dgramRaw, domains: [.inet6])),
        .init(.ipv6, "router_alert", .int, .getSet, ip6(IPV6_ROUTER_ALERT), R(types: [.raw], domains: [.inet6])),
        .init(.ipv6, "rthdr", .bool, .getSet, ip6(IPV6_RTHDR), R(types: dgramRaw, domains: [.inet6], privilege: .netRaw)),
        .init(.ipv6, "tclass", .int, .getSet, ip6(IPV6_TCLASS), R(domains: [.inet6])),
        .init(.ipv6, "unicast_hops", .hops, .getSet, ip6(IPV6_UNICAST_HOPS), R(domains: [.inet6])),
        .init(.ipv6, "use_min_mtu", .bool, .getSet, .elsewhere, R(platforms: bsdDarwin)),
        .init(.ipv6, "v6only", .bool, .getSet, ip6(IPV6_V6ONLY), R(domains: [.inet6])),
    ]

    static let tcp: [OptionSpec] = [
        .init(.tcp, "congestion", .string(max: 15), .getSet, tcp(TCP_CONGESTION), R(protocols: [.tcp], platforms: .linux)),
        .init(.tcp, "cork", .bool, .getSet, tcp(TCP_CORK), R(protocols: [.tcp], platforms: .linux)),
        .init(.tcp, "keepcnt", .int, .getSet, tcp(TCP_KEEPCNT), R(protocols: [.tcp])),
        .init(.tcp, "keepidle", .int, .getSet, tcp(TCP_KEEPIDLE), R(protocols: [.tcp])),
        .init(.tcp, "keepintvl", .int, .getSet, tcp(TCP_KEEPINTVL), R(protocols: [.tcp])),
        .init(.tcp, "maxseg", .int, .getSet, tcp(TCP_MAXSEG), R(protocols: [.tcp])),
        .init(.tcp, "nodelay", .bool, .getSet, tcp(TCP_NODELAY), R(protocols: [.tcp])),
        .init(.tcp, "noopt", .bool, .getSet, .elsewhere, R(protocols: [.tcp], platforms: bsdDarwin)),
        .init(.tcp, "nopush", .bool, .getSet, .elsewhere, R(protocols: [.tcp], platforms: bsdDarwin)),
        .init(.tcp, "syncnt", .int, .getSet, tcp(TCP_SYNCNT), R(protocols: [.tcp], platforms: .linux)),
        .init(.tcp, "user_timeout", .int, .getSet, tcp(TCP_USER_TIMEOUT), R(protocols: [.tcp], platforms: .linux)),
    ]

    static let udp: [OptionSpec] = [
        .init(.udp, "cork", .bool, .getSet, udp(esock_udp_cork), R(protocols: [.udp], platforms: .linux)),
    ]

    static let sctp: [OptionSpec] = [
        .init(.sctp, "associnfo", .sctpAssocParams, .getSet, sctp(sctpAssocInfo), R(protocols: [.sctp])),
        .init(.sctp, "autoclose", .int, .getSet, sctp(sctpAutoClose), R(types: [.seqpacket], protocols: [.sctp])),
        .init(.sctp, "disable_fragments", .bool, .getSet, sctp(sctpDisableFragments), R(protocols: [.sctp])),
        .init(.sctp, "events", .sctpEvents, .set, sctp(sctpEvents), R(protocols: [.sctp])),
        .init(.sctp, "initmsg", .sctpInitMsg, .getSet, sctp(sctpInitMsg), R(protocols: [.sctp])),
        .init(.sctp, "maxseg", .int, .getSet, sctp(sctpMaxSeg), R(protocols: [.sctp])),
        .init(.sctp, "nodelay", .bool, .getSet, sctp(sctpNoDelay), R(protocols: [.sctp])),
        .init(.sctp, "rtoinfo", .sctpRTOInfo, .getSet, sctp(sctpRTOInfo), R(protocols: [.sctp])),
    ]
}
