#if canImport(Glibc)
import Glibc
#endif

extension ESockAPI {
    public func open(descriptor fd: Int32, dup: Bool, options: OpenOptions) throws(SocketError) -> Socket {
        guard fd >= 0 else { throw .invalid(.argument("a descriptor is >= 0, got \(fd)")) }
        func number(_ name: Int32) throws(SocketError) -> Int32 { try Self.socketOption(fd, name) }
        // ENOTSOCK (or EBADF) for a descriptor that is no socket.
        let rawDomain = try number(SO_DOMAIN)
        let rawType = try number(SO_TYPE)
        guard let domain = Domain(raw: rawDomain) else {
            throw .invalid(.argument("descriptor \(fd) is a socket of domain \(rawDomain), which ESock does not support"))
        }
        guard let type = SocketType(raw: rawType) else {
            throw .invalid(.argument("descriptor \(fd) is a socket of type \(rawType), which ESock does not support"))
        }
        let proto = SocketProtocol(raw: try number(SO_PROTOCOL))
        let listening = try number(SO_ACCEPTCONN) != 0
        let connected = (try? sysPeername(fd)) != nil
        let bound = (try? sysSockname(fd)).map(Self.isBound) ?? false
        let engine = options.loop.map { group.engine($0) } ?? group.next()
        let own = dup ? try Check.kernel { () throws(Errno) in try sysDup(fd) } : fd
        do throws(Errno) {
            // poll waits for readiness on non-blocking descriptors; io_uring needs blocking
            // ones (it would fail operations with EAGAIN instead of waiting).
            try sysSetNonblocking(own, engine.nonblockingDescriptors)
        } catch {
            if dup { sysClose(own) }
            throw .errno(error)
        }
        let s = try engine.adopt(fd: own, domain: domain, type: type, protocol: proto,
                                 useRegistry: options.useRegistry, label: options.label,
                                 owner: options.owner, connected: connected)
        s.state.withLock { st in
            if bound || listening { st.readStates.insert(.bound) }
            if listening { st.readStates.insert(.listening) }
        }
        return s
    }

    /// An `int` SOL_SOCKET option of `fd`.
    private static func socketOption(_ fd: Int32, _ name: Int32) throws(SocketError) -> Int32 {
        let bytes = try Check.kernel { () throws(Errno) in try KernelOptions.get(fd, SOL_SOCKET, name, capacity: 4) }
        return Int32(truncatingIfNeeded: OptionCodec.integer(bytes))
    }

    /// Whether a local address is more than the unbound wildcard (port 0, or no path).
    private static func isBound(_ a: SockaddrStorage) -> Bool {
        guard let address = a.address else { return false }
        switch address {
        case .inet(_, let port), .inet6(_, let port, _, _): return port != 0
        case .unnamed: return false
        default: return true
        }
    }
}
