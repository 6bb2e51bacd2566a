#if canImport(Glibc)
import Glibc
#endif

/// A `sockaddr_storage` with its length: the C form of a ``SocketAddress``.
struct SockaddrStorage {
    var storage = sockaddr_storage()
    var length = socklen_t(MemoryLayout<sockaddr_storage>.size)

    init() {}

    /// The C form of `address`; throws `invalid(address)` for a Unix path that is too long.
    init(_ address: SocketAddress) throws(SocketError) {
        self.init()
        switch address {
        case .inet(let a, let port):
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = port.bigEndian
            sin.sin_addr.s_addr = a.networkOrder
            Self.store(&storage, sin)
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
        case .inet6(let a, let port, let flow, let scope):
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = port.bigEndian
            sin6.sin6_flowinfo = flow.bigEndian
            sin6.sin6_scope_id = scope
            withUnsafeMutableBytes(of: &sin6.sin6_addr) { $0.copyBytes(from: a.bytes) }
            Self.store(&storage, sin6)
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        case .local(let path):
            self = try SockaddrStorage(unixBytes: Array(path.utf8), abstract: false, shown: path)
        case .abstract(let name):
            self = try SockaddrStorage(unixBytes: name, abstract: true, shown: "@...")
        case .unnamed:
            var sun = sockaddr_un()
            sun.sun_family = sa_family_t(AF_UNIX)
            Self.store(&storage, sun)
            length = socklen_t(MemoryLayout<sa_family_t>.size)
        }
    }

    private init(unixBytes: [UInt8], abstract: Bool, shown: String) throws(SocketError) {
        self.init()
        var sun = sockaddr_un()
        let capacity = MemoryLayout.size(ofValue: sun.sun_path)
        let needed = unixBytes.count + 1  // NUL terminator, or the leading NUL of abstract names
        guard needed <= capacity, !unixBytes.isEmpty else {
            throw .invalid(.address("Unix socket name must be 1...\(capacity - 1) bytes, got \(unixBytes.count): \(shown)"))
        }
        guard abstract || !unixBytes.contains(0) else {
            throw .invalid(.address("Unix socket path contains a NUL byte"))
        }
        sun.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &sun.sun_path) { p in
            p.copyBytes(from: abstract ? [0] + unixBytes : unixBytes + [0])
        }
        Self.store(&storage, sun)
        let offset = MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)!
        length = socklen_t(offset + (abstract ? unixBytes.count + 1 : needed))
    }

    private static func store<T>(_ storage: inout sockaddr_storage, _ value: T) {
        withUnsafeMutableBytes(of: &storage) { dst in
            withUnsafeBytes(of: value) { src in dst.copyMemory(from: src) }
        }
    }

    /// The Swift form; nil for a family ESock does not know.
    var address: SocketAddress? {
        withUnsafeBytes(of: storage) { raw -> SocketAddress? in
            switch Int32(storage.ss_family) {
            case AF_INET:
                let sin = raw.load(as: sockaddr_in.self)
                return .inet(IPv4Address(networkOrder: sin.sin_addr.s_addr), port: UInt16(bigEndian: sin.sin_port))
            case AF_INET6:
                let sin6 = raw.load(as: sockaddr_in6.self)
                let bytes = withUnsafeBytes(of: sin6.sin6_addr) { Array($0) }
                return .inet6(IPv6Address(bytes: bytes)!, port: UInt16(bigEndian: sin6.sin6_port),
                              flowInfo: UInt32(bigEndian: sin6.sin6_flowinfo), scopeID: sin6.sin6_scope_id)
            case AF_UNIX:
                let offset = MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)!
                // The kernel reports the name's full length even when it did not fit the
                // buffer (accept, getsockname, recvmsg): read no further than the storage.
                let n = min(Int(length), raw.count) - offset
                guard n > 0 else { return .unnamed }
                let path = Array(raw[offset..<(offset + n)])
                if path.first == 0 { return .abstract(name: Array(path.dropFirst())) }
                let end = path.firstIndex(of: 0) ?? path.count
                return .local(path: String(decoding: path[..<end], as: UTF8.self))
            default:
                return nil
            }
        }
    }

    /// Calls `body` with a `sockaddr` pointer and the length.
    mutating func withSockaddr<R>(_ body: (UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) throws -> R) rethrows -> R {
        try withUnsafeMutablePointer(to: &storage) { p in
            try p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                try withUnsafeMutablePointer(to: &length) { try body(sa, $0) }
            }
        }
    }
}
