import CESockLinux
#if canImport(Glibc)
import Glibc
#endif

/// The rows of the option table (the seed's tables for each level).
enum OptionRows {
    private static func k(_ level: Int32, _ name: Int32) -> OptionSpec.Storage { .kernel(level, name) }

    static let all: [OptionSpec] = [
        // otp
        OptionSpec(option: .init(.otp, "rcvbuf"), kind: .bufferSize, settable: true, gettable: true, storage: .esock),
        OptionSpec(option: .init(.otp, "rcvctrlbuf"), kind: .bufferSize, settable: true, gettable: true, storage: .esock),
        OptionSpec(option: .init(.otp, "sndctrlbuf"), kind: .bufferSize, settable: true, gettable: true, storage: .esock),
        OptionSpec(option: .init(.otp, "use_registry"), kind: .bool, settable: false, gettable: true, storage: .esock),
        OptionSpec(option: .init(.otp, "debug"), kind: .bool, settable: true, gettable: true, storage: .esock),
        OptionSpec(option: .init(.otp, "meta"), kind: .string, settable: true, gettable: true, storage: .esock),
        // socket
        OptionSpec(option: .init(.socket, "acceptconn"), kind: .bool, settable: false, gettable: true, storage: k(SOL_SOCKET, SO_ACCEPTCONN)),
        OptionSpec(option: .init(.socket, "bindtodevice"), kind: .string, settable: true, gettable: true, storage: k(SOL_SOCKET, SO_BINDTODEVICE)),
        OptionSpec(option: .init(.socket, "broadcast"), kind: .bool, settable: true, gettable: true, storage: k(SOL_SOCKET, SO_BROADCAST)),
        OptionSpec(option: .init(.socket, "debug"), kind: .int, settable: true, gettable: true, storage: k(SOL_SOCKET, SO_DEBUG)),
        OptionSpec(option: .init(.socket, "domain"), kind: .domain, settable: false, gettable: true, storage: .esock),
        OptionSpec(option: .init(.socket, "type"), kind: .type, settable: false, gettable: true, storage: .esock),
        OptionSpec(option: .init(.socket, "protocol"), kind: .protocol, settable: false, gettable: true, storage: .esock),
        OptionSpec(option: .init(.socket, "dontroute"), kind: .bool, settable: true, gettable: true, storage: k(SOL_SOCKET, SO_DONTROUTE)),
        OptionSpec(option: .init(.socket, "keepalive"), kind: .bool, settable: true, gettable: true, storage: k(SOL_SOCKET, SO_KEEPALIVE)),
        OptionSpec(option: .init(.socket, "linger"), kind: .linger, settable: true, gettable: true, storage: k(SOL_SOCKET, SO_LINGER)),
        OptionSpec(option: .init(.socket, "oobinline"), kind: .bool, settable: true, gettable: true, storage: k(SOL_SOCKET, SO_OOBINLINE)),
        OptionSpec(option: .init(.socket, "peek_off"), kind: .int, settable: true, gettable: true, storage: k(SOL_SOCKET, SO_PEEK_OFF), domains: [.local]),
        OptionSpec(option: .init(.socket, "priority"), kind: .int, settable: true, gettable: true, storage: k(SOL_SOCKET, SO_PRIORITY)),
        OptionSpec(option: .init(.socket, "rcvbuf"), kind: .int, settable: true, gettable: true, storage: k(SOL_SOCKET, SO_RCVBUF)),
        OptionSpec(option: .init(.socket, "rcvlowat"), kind: .int, settable: true, gettable: true, storage: k(SOL_SOCKET, SO_RCVLOWAT)),
        OptionSpec(option: .init(.socket, "rcvtimeo"), kind: .microseconds, settable: true, gettable: true, storage: k(SOL_SOCKET, SO_RCVTIMEO), needsRcvSndTimeo: true),
        OptionSpec(option: .init(.socket, "reuseaddr"), kind: .bool, settable: true, gettable: true, storage: k(SOL_SOCKET, SO_REUSEADDR)),
        OptionSpec(option: .init(.socket, "reuseport"), kind: .bool, settable: true, gettable: true, storage: k(SOL_SOCKET, SO_REUSEPORT), domains: [.inet, .inet6]),
        OptionSpec(option: .init(.socket, "sndbuf"), kind: .int, settable: true, gettable: true, storage: k(SOL_SOCKET, SO_SNDBUF)),
        OptionSpec(option: .init(.socket, "sndlowat"), kind: .int, settable: true, gettable: true, storage: k(SOL_SOCKET, SO_SNDLOWAT)),
        OptionSpec(option: .init(.socket, "sndtimeo"), kind: .microseconds, settable: true, gettable: true, storage: k(SOL_SOCKET, SO_SNDTIMEO), needsRcvSndTimeo: true),
        // tcp
        OptionSpec(option: .init(.tcp, "nodelay"), kind: .bool, settable: true, gettable: true, storage: k(Int32(IPPROTO_TCP), TCP_NODELAY), protocols: [.tcp]),
        OptionSpec(option: .init(.tcp, "cork"), kind: .bool, settable: true, gettable: true, storage: k(Int32(IPPROTO_TCP), TCP_CORK), protocols: [.tcp]),
        OptionSpec(option: .init(.tcp, "nopush"), kind: .bool, settable: true, gettable: true, storage: k(Int32(IPPROTO_TCP), TCP_CORK), protocols: [.tcp]),
        OptionSpec(option: .init(.tcp, "keepcnt"), kind: .int, settable: true, gettable: true, storage: k(Int32(IPPROTO_TCP), TCP_KEEPCNT), protocols: [.tcp]),
        OptionSpec(option: .init(.tcp, "keepidle"), kind: .int, settable: true, gettable: true, storage: k(Int32(IPPROTO_TCP), TCP_KEEPIDLE), protocols: [.tcp]),
        OptionSpec(option: .init(.tcp, "keepintvl"), kind: .int, settable: true, gettable: true, storage: k(Int32(IPPROTO_TCP), TCP_KEEPINTVL), protocols: [.tcp]),
        OptionSpec(option: .init(.tcp, "maxseg"), kind: .int, settable: true, gettable: true, storage: k(Int32(IPPROTO_TCP), TCP_MAXSEG), protocols: [.tcp]),
        OptionSpec(option: .init(.tcp, "quickack"), kind: .bool, settable: true, gettable: true, storage: k(Int32(IPPROTO_TCP), TCP_QUICKACK), protocols: [.tcp]),
        OptionSpec(option: .init(.tcp, "user_timeout"), kind: .int, settable: true, gettable: true, storage: k(Int32(IPPROTO_TCP), TCP_USER_TIMEOUT), protocols: [.tcp]),
        // udp
        OptionSpec(option: .init(.udp, "cork"), kind: .bool, settable: true, gettable: true, storage: k(Int32(IPPROTO_UDP), esock_udp_cork), protocols: [.udp]),
        // sctp
        OptionSpec(option: .init(.sctp, "nodelay"), kind: .bool, settable: true, gettable: true, storage: k(Int32(IPPROTO_SCTP), 3 /* SCTP_NODELAY */), protocols: [.sctp]),
    ]
}
