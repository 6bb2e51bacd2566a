#if canImport(Glibc)
import Glibc
#endif

/// Linux numbers of the control messages ``ControlMessageValue`` knows (uapi `in.h`,
/// `in6.h`, `socket.h`), fixed by the kernel ABI.
enum ControlKinds {
    static let solSocket = Int32(SOL_SOCKET), ip = Int32(IPPROTO_IP), ipv6 = Int32(IPPROTO_IPV6)
    static let scmRights: Int32 = 1, scmCredentials: Int32 = 2, soTimestamp: Int32 = 29
    static let ipTOS: Int32 = 1, ipTTL: Int32 = 2, ipPktinfo: Int32 = 8, ipRecvErr: Int32 = 11
    static let ipv6RecvErr: Int32 = 25, ipv6Pktinfo: Int32 = 50, ipv6HopLimit: Int32 = 52
    static let ipv6TClass: Int32 = 67
}

extension ControlMessage {
    /// The message decoded, or nil for a kind ESock does not decode or data of the wrong
    /// size (it stays raw: `level`, `type`, `data`). Never traps, whatever the bytes.
    public var value: ControlMessageValue? {
        typealias K = ControlKinds
        let d = data
        switch (level, type) {
        case (K.ip, K.ipPktinfo):
            guard d.count == 12 else { return nil }
            return .ipPacketInfo(IPv4PacketInfo(interfaceIndex: Int(Self.load(d, 0, Int32.self)),
                                                specificDestination: Self.ipv4(d, 4), address: Self.ipv4(d, 8)))
        case (K.ipv6, K.ipv6Pktinfo):
            guard d.count == 20, let a = IPv6Address(bytes: Array(d[0..<16])) else { return nil }
            return .ipv6PacketInfo(IPv6PacketInfo(address: a, interfaceIndex: Int(Self.load(d, 16, UInt32.self))))
        case (K.ip, K.ipTOS):
            // One byte as received; an int as some senders (and OTP) write it.
            if d.count == 1 { return .tos(d[0]) }
            guard d.count == 4 else { return nil }
            let n = Self.load(d, 0, Int32.self)
            return (0...255).contains(n) ? .tos(UInt8(n)) : nil
        case (K.ip, K.ipTTL):
            guard d.count == 4 else { return nil }
            return .ttl(Int(Self.load(d, 0, Int32.self)))
        case (K.ipv6, K.ipv6HopLimit):
            guard d.count == 4 else { return nil }
            return .hopLimit(Int(Self.load(d, 0, Int32.self)))
        case (K.ipv6, K.ipv6TClass):
            guard d.count == 4 else { return nil }
            return .trafficClass(Int(Self.load(d, 0, Int32.self)))
        case (K.solSocket, K.soTimestamp):
            guard d.count == 16 else { return nil }
            return .timestamp(seconds: Int(Self.load(d, 0, Int64.self)), microseconds: Int(Self.load(d, 8, Int64.self)))
        case (K.ip, K.ipRecvErr):
            return Self.extendedError(d).map { .ipRecvErr($0) }
        case (K.ipv6, K.ipv6RecvErr):
            return Self.extendedError(d).map { .ipv6RecvErr($0) }
        case (K.solSocket, K.scmCredentials):
            guard d.count == 12 else { return nil }
            return .credentials(pid: Self.load(d, 0, Int32.self), uid: Self.load(d, 4, UInt32.self),
                                gid: Self.load(d, 8, UInt32.self))
        case (K.solSocket, K.scmRights):
            guard !d.isEmpty, d.count % 4 == 0 else { return nil }
            return .rights(stride(from: 0, to: d.count, by: 4).map { Self.load(d, $0, Int32.self) })
        default:
            return nil
        }
    }

    /// The control message that sends `value` (OTP's `#{level, type, value}` in a
    /// `sendmsg`'s `ctrl`). What the kernel accepts on send is its business: `ip.pktinfo`,
    /// `ip.tos`, `ip.ttl`, `ipv6.pktinfo`, `ipv6.hoplimit`, `ipv6.tclass`, `credentials` and
    /// `rights` are; the others are encoded all the same and refused by the kernel.
    public init(_ value: ControlMessageValue) {
        typealias K = ControlKinds
        switch value {
        case .ipPacketInfo(let p):
            self.init(level: K.ip, type: K.ipPktinfo,
                      data: Self.bytes(Int32(truncatingIfNeeded: p.interfaceIndex)) + Self.bytes(p.specificDestination)
                          + Self.bytes(p.address))
        case .ipv6PacketInfo(let p):
            self.init(level: K.ipv6, type: K.ipv6Pktinfo,
                      data: p.address.bytes + Self.bytes(UInt32(truncatingIfNeeded: p.interfaceIndex)))
        case .tos(let t):
            self.init(level: K.ip, type: K.ipTOS, data: Self.bytes(Int32(t)))
        case .ttl(let n):
            self.init(level: K.ip, type: K.ipTTL, data: Self.bytes(Int32(truncatingIfNeeded: n)))
        case .hopLimit(let n):
            self.init(level: K.ipv6, type: K.ipv6HopLimit, data: Self.bytes(Int32(truncatingIfNeeded: n)))
        case .trafficClass(let n):
            self.init(level: K.ipv6, type: K.ipv6TClass, data: Self.bytes(Int32(truncatingIfNeeded: n)))
        case .timestamp(let s, let us):
            self.init(level: K.solSocket, type: K.soTimestamp, data: Self.bytes(Int64(s)) + Self.bytes(Int64(us)))
        case .ipRecvErr(let e):
            self.init(level: K.ip, type: K.ipRecvErr, data: Self.bytes(e))
        case .ipv6RecvErr(let e):
            self.init(level: K.ipv6, type: K.ipv6RecvErr, data: Self.bytes(e))
        case .credentials(let pid, let uid, let gid):
            self.init(level: K.solSocket, type: K.scmCredentials, data: Self.bytes(pid) + Self.bytes(uid) + Self.bytes(gid))
        case .rights(let fds):
            self.init(level: K.solSocket, type: K.scmRights, data: fds.flatMap { Self.bytes($0) })
        }
    }

    /// `sock_extended_err` (16 bytes) and the offender's `sockaddr` after it, if any.
    private static func extendedError(_ d: [UInt8]) -> ExtendedError? {
        guard d.count >= 16 else { return nil }
        var offender: SocketAddress?
        let rest = d.count - 16
        if rest >= 2 {
            let family = Int32(load(d, 16, UInt16.self))
            let needed = family == AF_INET ? MemoryLayout<sockaddr_in>.size
                : family == AF_INET6 ? MemoryLayout<sockaddr_in6>.size : Int.max
            if rest >= needed {
                var s = SockaddrStorage()
                withUnsafeMutableBytes(of: &s.storage) { $0.copyBytes(from: d[16..<(16 + needed)]) }
                s.length = socklen_t(needed)
                offender = s.address
            }
        }
        return ExtendedError(error: Errno(rawValue: Int32(bitPattern: load(d, 0, UInt32.self))), origin: d[4],
                             type: d[5], code: d[6], info: load(d, 8, UInt32.self), data: load(d, 12, UInt32.self),
                             offender: offender)
    }

    private static func bytes(_ e: ExtendedError) -> [UInt8] {
        var out = bytes(UInt32(bitPattern: e.error.rawValue)) + [e.origin, e.type, e.code, 0]
            + bytes(e.info) + bytes(e.data)
        if let o = e.offender, case .inet = o, let s = try? SockaddrStorage(o) {
            out += withUnsafeBytes(of: s.storage) { Array($0.prefix(Int(s.length))) }
        } else if let o = e.offender, case .inet6 = o, let s = try? SockaddrStorage(o) {
            out += withUnsafeBytes(of: s.storage) { Array($0.prefix(Int(s.length))) }
        }
        return out
    }

    private static func load<T: FixedWidthInteger>(_ d: [UInt8], _ offset: Int, _: T.Type) -> T {
        d.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: T.self) }
    }

    private static func ipv4(_ d: [UInt8], _ o: Int) -> IPv4Address { IPv4Address(d[o], d[o + 1], d[o + 2], d[o + 3]) }

    private static func bytes<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v) { Array($0) } }

    private static func bytes(_ a: IPv4Address) -> [UInt8] { [a.bytes.0, a.bytes.1, a.bytes.2, a.bytes.3] }
}
