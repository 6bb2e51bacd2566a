/// Argument checks shared by every call: bad input becomes a typed `invalid` error before
/// anything reaches the kernel.
enum Check {
    static func length(_ n: Int) throws(SocketError) {
        guard n >= 0 else { throw .invalid(.argument("length must be >= 0, got \(n)")) }
        guard n <= 1 << 30 else { throw .invalid(.argument("length \(n) is larger than 1 GiB")) }
    }

    static func buffers(_ sizes: [Int], _ control: Int) throws(SocketError) {
        guard !sizes.isEmpty else { throw .invalid(.argument("recvmsg needs at least one buffer size")) }
        for s in sizes { try length(s) }
        guard control >= 0 else { throw .invalid(.argument("control size must be >= 0, got \(control)")) }
    }

    /// A message's buffers: a datagram or record (anything but a stream) is one kernel call,
    /// which takes at most `iov_max` buffers; a stream send goes on past them.
    static func iov(_ message: OutgoingMessage, for socket: Socket) throws(SocketError) {
        guard socket.type != .stream else { return }
        let n = message.iov.count { !$0.isEmpty }
        if n > iovMax {
            throw .invalid(.argument("\(n) buffers: a \(socket.type) message takes at most iov_max (\(iovMax))"))
        }
    }

    /// The C form of `address`, after checking that it suits `socket`'s domain.
    static func address(_ address: SocketAddress, for socket: Socket) throws(SocketError) -> SockaddrStorage {
        guard address.domain == socket.domain else {
            throw .invalid(.address("\(address) is a \(address.domain) address; the socket's domain is \(socket.domain)"))
        }
        return try SockaddrStorage(address)
    }

    static func datagram(_ socket: Socket, call: String) throws(SocketError) {
        guard socket.type != .stream else {
            throw .invalid(.operation("\(call) is for datagram sockets; this socket is a stream (use send/recv)"))
        }
    }

    static func datagramPeer(_ address: SocketAddress, for socket: Socket, call: String) throws(SocketError) -> SockaddrStorage {
        try datagram(socket, call: call)
        return try self.address(address, for: socket)
    }

    static func acceptable(_ socket: Socket) throws(SocketError) {
        guard socket.type == .stream || socket.type == .seqpacket else {
            throw .invalid(.operation("accept needs a stream or seqpacket socket, this one is \(socket.type)"))
        }
    }

    /// Runs a system call on an open socket, holding its lock so close cannot race it.
    /// Runs a system call that concerns no ESock socket; its errno comes back as `.errno`.
    static func kernel<R>(_ call: () throws(Errno) -> R) throws(SocketError) -> R {
        do throws(Errno) {
            return try call()
        } catch {
            throw .errno(error)
        }
    }

    static func open<R>(_ socket: Socket, _ call: () throws(Errno) -> R) throws(SocketError) -> R {
        try socket.state.withLock { st throws(SocketError) -> R in
            if st.closed { throw .closed }
            do throws(Errno) {
                return try call()
            } catch {
                throw .errno(error)
            }
        }
    }
}
