/// Shorter forms of the ``SocketAPI`` calls with OTP's defaults filled in.
extension SocketAPI {
    /// Wraps a duplicate of an existing socket descriptor (see
    /// ``SocketAPI/open(descriptor:dup:options:)``).
    public func open(descriptor: Int32, dup: Bool = true) throws(SocketError) -> Socket {
        try open(descriptor: descriptor, dup: dup, options: OpenOptions())
    }

    /// Opens a socket with the registry default and no owner label.
    public func open(_ domain: Domain, _ type: SocketType, _ proto: SocketProtocol = .default) throws(SocketError) -> Socket {
        try open(domain, type, proto, options: OpenOptions())
    }

    /// Binds to a symbolic address (`any`, `loopback`, `broadcast`) of the socket's domain.
    public func bind(_ socket: Socket, _ shortcut: AddressShortcut, port: UInt16 = 0) throws(SocketError) {
        guard let a = shortcut.address(for: socket.domain, port: port) else {
            throw .invalid(.address("\(shortcut.rawValue) has no meaning for a \(socket.domain) socket"))
        }
        try bind(socket, a)
    }

    /// Listens with OTP's default backlog of 5.
    public func listen(_ socket: Socket) throws(SocketError) { try listen(socket, backlog: 5) }

    public func accept(_ socket: Socket) async throws(SocketError) -> Socket {
        try await accept(socket, timeout: .infinity)
    }

    public func accept(_ socket: Socket, nowait caller: Mailbox) throws(SocketError) -> Nowait<Socket> {
        try accept(socket, nowait: caller, handle: nil)
    }

    public func connect(_ socket: Socket, _ address: SocketAddress) async throws(SocketError) {
        try await connect(socket, address, timeout: .infinity)
    }

    public func connect(_ socket: Socket, _ address: SocketAddress, nowait caller: Mailbox) throws(SocketError) -> Nowait<Void> {
        try connect(socket, address, nowait: caller, handle: nil)
    }

    /// Sends all of the file `file`, waiting up to `timeout` (OTP's `sendfile/2,3`).
    @discardableResult
    public func sendfile(_ socket: Socket, file: Int32, timeout: Timeout = .infinity) async throws(SocketError) -> Int {
        try await sendfile(socket, file: file, offset: 0, count: 0, timeout: timeout)
    }

    /// sendfile without blocking, with a generated handle (`count` 0: to the end of the file).
    public func sendfile(_ socket: Socket, file: Int32, offset: Int = 0, count: Int = 0,
                         nowait caller: Mailbox) throws(SocketError) -> Nowait<Int> {
        try sendfile(socket, file: file, offset: offset, count: count, nowait: caller, handle: nil)
    }

    public func send(_ socket: Socket, _ data: [UInt8], timeout: Timeout = .infinity) async throws(SocketError) {
        try await send(socket, data, flags: [], timeout: timeout)
    }

    public func send(_ socket: Socket, _ data: [UInt8], nowait caller: Mailbox, handle: Handle? = nil) throws(SocketError) -> Nowait<Int> {
        try send(socket, data, flags: [], nowait: caller, handle: handle)
    }

    public func sendto(_ socket: Socket, _ data: [UInt8], to address: SocketAddress,
                       timeout: Timeout = .infinity) async throws(SocketError) {
        try await sendto(socket, data, to: address, flags: [], timeout: timeout)
    }

    public func sendto(_ socket: Socket, _ data: [UInt8], to address: SocketAddress, nowait caller: Mailbox,
                       handle: Handle? = nil) throws(SocketError) -> Nowait<Int> {
        try sendto(socket, data, to: address, flags: [], nowait: caller, handle: handle)
    }

    public func sendmsg(_ socket: Socket, _ message: OutgoingMessage, timeout: Timeout = .infinity) async throws(SocketError) {
        try await sendmsg(socket, message, flags: [], timeout: timeout)
    }

    public func sendmsg(_ socket: Socket, _ message: OutgoingMessage, nowait caller: Mailbox,
                        handle: Handle? = nil) throws(SocketError) -> Nowait<Int> {
        try sendmsg(socket, message, flags: [], nowait: caller, handle: handle)
    }

    public func recv(_ socket: Socket, length: Int = 0, timeout: Timeout = .infinity) async throws(SocketError) -> [UInt8] {
        try await recv(socket, length: length, flags: [], timeout: timeout)
    }

    public func recv(_ socket: Socket, length: Int = 0, nowait caller: Mailbox,
                     handle: Handle? = nil) throws(SocketError) -> Nowait<[UInt8]> {
        try recv(socket, length: length, flags: [], nowait: caller, handle: handle)
    }

    public func recvfrom(_ socket: Socket, length: Int = 0, timeout: Timeout = .infinity) async throws(SocketError) -> Datagram {
        try await recvfrom(socket, length: length, flags: [], timeout: timeout)
    }

    public func recvfrom(_ socket: Socket, length: Int = 0, nowait caller: Mailbox,
                         handle: Handle? = nil) throws(SocketError) -> Nowait<Datagram> {
        try recvfrom(socket, length: length, flags: [], nowait: caller, handle: handle)
    }

    public func recvmsg(_ socket: Socket, bufferSizes: [Int] = [0], controlSize: Int = 0,
                        timeout: Timeout = .infinity) async throws(SocketError) -> ReceivedMessage {
        try await recvmsg(socket, bufferSizes: bufferSizes, controlSize: controlSize, flags: [], timeout: timeout)
    }

    public func recvmsg(_ socket: Socket, bufferSizes: [Int] = [0], controlSize: Int = 0, nowait caller: Mailbox,
                        handle: Handle? = nil) throws(SocketError) -> Nowait<ReceivedMessage> {
        try recvmsg(socket, bufferSizes: bufferSizes, controlSize: controlSize, flags: [], nowait: caller, handle: handle)
    }

    /// Cancels using the value a `nowait` call returned.
    public func cancel<V>(_ socket: Socket, _ result: Nowait<V>, caller: Mailbox) throws(SocketError) {
        guard let info = result.pending else { throw .invalid(.info("the call finished; nothing to cancel")) }
        try cancel(socket, info, caller: caller)
    }
}
