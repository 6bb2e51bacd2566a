#if canImport(Glibc)
import Glibc
#endif

/// Encodes option values into the bytes setsockopt takes and decodes what getsockopt gives,
/// by the row's ``OptionSpec/Kind``. A value of another shape, or out of the C type's range,
/// is `invalid(socketOption(level, name))`, as OTP answers a value it cannot encode.
enum OptionCodec {
    /// The bytes for setsockopt.
    static func encode(_ value: OptionValue, as kind: OptionSpec.Kind,
                       for option: SocketOption) throws(SocketError) -> [UInt8] {
        func int32(_ n: Int) throws(SocketError) -> Int32 {
            guard let v = Int32(exactly: n) else { throw option.invalid }
            return v
        }
        switch (kind, value) {
        case (.bool, .bool(let b)):
            return bytes(of: Int32(b ? 1 : 0))
        case (.int, .int(let n)), (.hops, .int(let n)):
            return bytes(of: try int32(n))
        case (.hops, .default):
            return bytes(of: Int32(-1))
        case (.string(let max), .string(let s)):
            let b = Array(s.utf8)
            guard b.count <= max, !b.contains(0) else { throw option.invalid }
            return b
        case (.linger, .linger(let l)):
            guard (l ?? 0) >= 0 else { throw option.invalid }
            return bytes(of: Glibc.linger(l_onoff: l == nil ? 0 : 1, l_linger: try int32(l ?? 0)))
        case (.timeval, .microseconds(let us)) where us >= 0:
            return bytes(of: timeval(tv_sec: us / 1_000_000, tv_usec: us % 1_000_000))
        case (.ipv4Interface, .ipv4(let a)):
            return address(a)
        case (.tos, .tos(let t)):
            return bytes(of: Int32(t.rawBits))
        case (.tos, .int(let n)) where (0...255).contains(n):
            return bytes(of: Int32(n))
        case (.mtuDiscover, .mtuDiscover(let m)):
            return bytes(of: Int32(m.rawMode))
        case (.mtuDiscover, .int(let n)):
            return bytes(of: try int32(n))
        case (.ipMembership, .ipMembership(let m)):
            return address(m.multiaddr) + address(m.interface)
        case (.ipSourceMembership, .ipSourceMembership(let m)):
            // struct ip_mreq_source: multiaddr, interface, sourceaddr.
            return address(m.multiaddr) + address(m.interface) + address(m.sourceaddr)
        case (.ipMulticastFilter, .ipMulticastFilter(let f)):
            // OTP's `null` is an empty filter; the kernel refuses it (einval), as under OTP.
            guard let f else { return [] }
            guard let count = UInt32(exactly: f.sources.count) else { throw option.invalid }
            // struct ip_msfilter: multiaddr, interface, fmode, numsrc, slist[numsrc].
            return address(f.multiaddr) + address(f.interface)
                + bytes(of: UInt32(f.mode == .include ? MCAST_INCLUDE : MCAST_EXCLUDE)) + bytes(of: count)
                + f.sources.flatMap(address)
        case (.ipv6Membership, .ipv6Membership(let m)):
            return m.multiaddr.bytes + bytes(of: m.interface)
        case (.addrform, .domain(.inet)):
            return bytes(of: Int32(AF_INET))
        case (.sctpAssocParams, .sctpAssocParams(let p)):
            return bytes(of: p.assocID) + bytes(of: p.maxRetransmissions) + bytes(of: p.peerDestinations)
                + bytes(of: p.peerReceiveWindow) + bytes(of: p.localReceiveWindow) + bytes(of: p.cookieLife)
        case (.sctpInitMsg, .sctpInitMsg(let m)):
            return bytes(of: m.outboundStreams) + bytes(of: m.maxInboundStreams)
                + bytes(of: m.maxAttempts) + bytes(of: m.maxInitTimeout)
        case (.sctpRTOInfo, .sctpRTOInfo(let r)):
            return bytes(of: r.assocID) + bytes(of: r.initial) + bytes(of: r.max) + bytes(of: r.min)
        case (.sctpEvents, .sctpEvents(let e)):
            return e.flags.map { $0 ? 1 : 0 }
        default:
            throw option.invalid
        }
    }

    /// How many bytes to offer getsockopt for a value of `kind`.
    static func capacity(for kind: OptionSpec.Kind) -> Int {
        switch kind {
        case .controlMessages: return 4096
        default: return 64
        }
    }

    /// The value in `b`, the bytes getsockopt gave.
    static func decode(_ b: [UInt8], as kind: OptionSpec.Kind) -> OptionValue {
        switch kind {
        case .bool:
            return .bool(integer(b) != 0)
        case .string:
            return .string(String(decoding: b.prefix { $0 != 0 }, as: UTF8.self))
        case .linger:
            let l: Glibc.linger = load(b)
            return .linger(l.l_onoff == 0 ? nil : Int(l.l_linger))
        case .timeval:
            return .microseconds(microseconds(load(b)))
        case .ipv4Interface:
            return .ipv4(b.count >= 4 ? IPv4Address(b[0], b[1], b[2], b[3]) : .any)
        case .tos:
            let n = integer(b)
            return TypeOfService(bits: n).map { .tos($0) } ?? .int(n)
        case .mtuDiscover:
            let n = integer(b)
            return MTUDiscover(mode: n).map { .mtuDiscover($0) } ?? .int(n)
        case .controlMessages:
            return .controlMessages(b.withUnsafeBytes { MessageHeader.controlMessages(in: $0) })
        case .sctpAssocParams:
            return .sctpAssocParams(SCTPAssocParams(
                assocID: load(b, at: 0), maxRetransmissions: load(b, at: 4), peerDestinations: load(b, at: 6),
                peerReceiveWindow: load(b, at: 8), localReceiveWindow: load(b, at: 12), cookieLife: load(b, at: 16)))
        case .sctpInitMsg:
            return .sctpInitMsg(SCTPInitMsg(outboundStreams: load(b, at: 0), maxInboundStreams: load(b, at: 2),
                                            maxAttempts: load(b, at: 4), maxInitTimeout: load(b, at: 6)))
        case .sctpRTOInfo:
            return .sctpRTOInfo(SCTPRTOInfo(assocID: load(b, at: 0), initial: load(b, at: 4),
                                            max: load(b, at: 8), min: load(b, at: 12)))
        default:
            // int, hops, assocID (the first field of sctp_assocparams).
            return .int(integer(b))
        }
    }

    /// An int option's value: the kernel gives 4 bytes, or 1 for a few byte-sized IP options.
    static func integer(_ b: [UInt8]) -> Int {
        b.count >= 4 ? Int(load(b, at: 0) as Int32) : Int(b.first ?? 0)
    }

    /// `t` in microseconds, clamped to `Int`'s range: the fields are the kernel's to fill, and
    /// no real timeout is 292,000 years, but the arithmetic must not trap on one that claims it.
    private static func microseconds(_ t: timeval) -> Int {
        let (scaled, scaleOverflow) = t.tv_sec.multipliedReportingOverflow(by: 1_000_000)
        if scaleOverflow { return t.tv_sec < 0 ? .min : .max }
        let (sum, sumOverflow) = scaled.addingReportingOverflow(t.tv_usec)
        if sumOverflow { return t.tv_usec < 0 ? .min : .max }
        return sum
    }

    private static func address(_ a: IPv4Address) -> [UInt8] { [a.bytes.0, a.bytes.1, a.bytes.2, a.bytes.3] }

    private static func bytes<T>(of value: T) -> [UInt8] { withUnsafeBytes(of: value) { Array($0) } }

    /// A `T` read from `b` at `offset`; zero where `b` is too short (the kernel gave less).
    private static func load<T: BitwiseCopyable>(_ b: [UInt8], at offset: Int = 0) -> T {
        var padded = b
        let need = offset + MemoryLayout<T>.size
        if padded.count < need { padded += [UInt8](repeating: 0, count: need - padded.count) }
        return padded.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: T.self) }
    }
}
