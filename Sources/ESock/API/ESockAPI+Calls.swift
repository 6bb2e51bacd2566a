#if canImport(Glibc)
import Glibc
#endif

/// The shared implementation of ``SocketAPI``: argument checks, the awaiting and `nowait`
/// forms of each call, and the calls that never wait. Only ``Engine`` differs per backend.
extension ESockAPI {
    public var backend: Backend { group.kind }

    /// The first loop's executor; ``Socket/executor`` is the one of a socket's own loop.
    public var executor: any TaskExecutor { engine.executor }

    public func info() -> BackendInfo {
        BackendInfo(requested: requested, backend: group.kind, reason: reason, details: engine.details,
                    sockets: SocketRegistry.numberOf(), loops: group.count, counters: GlobalSocketCounters.snapshot,
                    iovMax: iovMax, useRegistry: SocketRegistry.enabled)
    }

    public func open(_ domain: Domain, _ type: SocketType, _ proto: SocketProtocol,
                     options: OpenOptions) throws(SocketError) -> Socket {
        let engine = options.loop.map { group.engine($0) } ?? group.next()
        guard let netns = options.netns else {
            return try engine.open(domain, type, proto, useRegistry: options.useRegistry,
                                   label: options.label, owner: options.owner)
        }
        return try NetnsEntry.inside(netns) { () throws(SocketError) in
            try engine.open(domain, type, proto, useRegistry: options.useRegistry,
                            label: options.label, owner: options.owner)
        }
    }

    // MARK: Calls that never wait

    public func bind(_ socket: Socket, _ address: SocketAddress) throws(SocketError) {
        var a = try Check.address(address, for: socket)
        try Check.open(socket) { () throws(Errno) in try sysBind(socket.fileDescriptor, &a) }
        socket.state.withLock { _ = $0.readStates.insert(.bound) }
    }

    public func listen(_ socket: Socket, backlog: Int) throws(SocketError) {
        guard backlog >= 0 else { throw .invalid(.argument("backlog must be >= 0, got \(backlog)")) }
        guard socket.type == .stream || socket.type == .seqpacket else {
            throw .invalid(.operation("listen needs a stream or seqpacket socket, this one is \(socket.type)"))
        }
        try Check.open(socket) { () throws(Errno) in try sysListen(socket.fileDescriptor, Int32(min(backlog, Int(Int32.max)))) }
        socket.state.withLock { _ = $0.readStates.insert(.listening) }
    }

    public func connect(_ socket: Socket) throws(SocketError) {
        // OTP's connect/1: finish the nowait connect whose `select` (or completion) came.
        let status: CompletionStatus? = try socket.state.withLock { st throws(SocketError) in
            if st.closed { throw .closed }
            if st.writeStates.contains(.connected) { return .ok }
            guard st[.write].current?.tag == .connect else {
                throw .invalid(.state)
            }
            return nil
        }
        if status != nil { return }
        let mailbox = socket.state.withLock { $0[.write].current?.caller } ?? Mailbox(awaitingCall: ())
        switch try engine.begin(socket, .connect(SockaddrStorage()), caller: mailbox, handle: nil, deadline: nil) {
        case .done(let s):
            if case .error(let e) = s { throw e }
        case .pending(let info, _):
            try? engine.cancel(socket, info, caller: mailbox)
            throw .errno(.einprogress)
        }
    }

    public func shutdown(_ socket: Socket, _ how: ShutdownHow) throws(SocketError) {
        try Check.open(socket) { () throws(Errno) in try sysShutdown(socket.fileDescriptor, how.raw) }
        socket.state.withLock { st in
            if how != .write { st.readStates.insert(.readShutdown) }
            if how != .read { st.writeStates.insert(.writeShutdown) }
        }
    }

    public func close(_ socket: Socket) throws(SocketError) {
        try socket.engine.close(socket)
    }

    public func sockname(_ socket: Socket) throws(SocketError) -> SocketAddress {
        let a = try Check.open(socket) { () throws(Errno) in try sysSockname(socket.fileDescriptor) }
        guard let address = a.address else { throw .errno(.eafnosupport) }
        return address
    }

    public func peername(_ socket: Socket) throws(SocketError) -> SocketAddress {
        let a = try Check.open(socket) { () throws(Errno) in try sysPeername(socket.fileDescriptor) }
        guard let address = a.address else { throw .errno(.eafnosupport) }
        return address
    }

    public func cancel(_ socket: Socket, _ info: PendingInfo, caller: Mailbox) throws(SocketError) {
        do {
            try socket.engine.cancel(socket, info, caller: caller)
        } catch .closed {
            // As OTP's cancel on a closed socket: `closed`, and the abort the close sent this
            // operation is taken out of the mailbox (a select or completion stays: it is the
            // caller's to act on).
            caller.purgeAbort(socket: socket, handle: info.handle)
            throw .closed
        }
    }

    // MARK: accept and connect

    public func accept(_ socket: Socket, timeout: Timeout) async throws(SocketError) -> Socket {
        try Check.acceptable(socket)
        guard case .accepted(let s) = try await socket.engine.perform(socket, .accept, timeout: timeout) else {
            throw .invalid(.state)
        }
        return s
    }

    public func accept(_ socket: Socket, nowait caller: Mailbox, handle: Handle?) throws(SocketError) -> Nowait<Socket> {
        try Check.acceptable(socket)
        return try nowait(socket, .accept, caller, handle) { s throws(SocketError) in
            guard case .accepted(let a) = s else { throw .invalid(.state) }
            // As OTP's accept: the connection belongs to the caller that accepted it.
            a.acceptedBy(caller)
            return a
        }
    }

    public func connect(_ socket: Socket, _ address: SocketAddress, timeout: Timeout) async throws(SocketError) {
        let a = try Check.address(address, for: socket)
        _ = try await socket.engine.perform(socket, .connect(a), timeout: timeout)
    }

    public func connect(_ socket: Socket, _ address: SocketAddress, nowait caller: Mailbox,
                        handle: Handle?) throws(SocketError) -> Nowait<Void> {
        let a = try Check.address(address, for: socket)
        return try nowait(socket, .connect(a), caller, handle) { _ throws(SocketError) in () }
    }

    // MARK: send

    public func send(_ socket: Socket, _ data: [UInt8], flags: MessageFlags, timeout: Timeout) async throws(SocketError) {
        _ = try await socket.engine.perform(socket, .send(data: data, flags: flags.rawValue), timeout: timeout)
    }

    public func send(_ socket: Socket, _ data: [UInt8], flags: MessageFlags, nowait caller: Mailbox,
                     handle: Handle?) throws(SocketError) -> Nowait<Int> {
        try nowait(socket, .send(data: data, flags: flags.rawValue), caller, handle, Self.sentCount)
    }

    public func sendto(_ socket: Socket, _ data: [UInt8], to address: SocketAddress, flags: MessageFlags,
                       timeout: Timeout) async throws(SocketError) {
        let a = try Check.datagramPeer(address, for: socket, call: "sendto")
        _ = try await socket.engine.perform(socket, .sendto(data: data, to: a, flags: flags.rawValue), timeout: timeout)
    }

    public func sendto(_ socket: Socket, _ data: [UInt8], to address: SocketAddress, flags: MessageFlags,
                       nowait caller: Mailbox, handle: Handle?) throws(SocketError) -> Nowait<Int> {
        let a = try Check.datagramPeer(address, for: socket, call: "sendto")
        return try nowait(socket, .sendto(data: data, to: a, flags: flags.rawValue), caller, handle, Self.sentCount)
    }

    public func sendmsg(_ socket: Socket, _ message: OutgoingMessage, flags: MessageFlags,
                        timeout: Timeout) async throws(SocketError) {
        try Check.iov(message, for: socket)
        let a = try message.address.map { a throws(SocketError) in try Check.address(a, for: socket) }
        _ = try await socket.engine.perform(socket, .sendmsg(message, to: a, flags: flags.rawValue), timeout: timeout)
    }

    public func sendmsg(_ socket: Socket, _ message: OutgoingMessage, flags: MessageFlags,
                        nowait caller: Mailbox, handle: Handle?) throws(SocketError) -> Nowait<Int> {
        try Check.iov(message, for: socket)
        let a = try message.address.map { a throws(SocketError) in try Check.address(a, for: socket) }
        return try nowait(socket, .sendmsg(message, to: a, flags: flags.rawValue), caller, handle, Self.sentCount)
    }

    private static func sentCount(_ s: CompletionStatus) throws(SocketError) -> Int {
        guard case .sent(let n) = s else { throw .invalid(.state) }
        return n
    }

    // MARK: receive

    public func recv(_ socket: Socket, length: Int, flags: MessageFlags, timeout: Timeout) async throws(SocketError) -> [UInt8] {
        try Check.length(length)
        guard case .data(let d) = try await socket.engine.perform(socket, .recv(length: length, flags: flags.rawValue),
                                                                   timeout: timeout) else {
            throw .invalid(.state)
        }
        return d
    }

    public func recv(_ socket: Socket, length: Int, flags: MessageFlags, nowait caller: Mailbox,
                     handle: Handle?) throws(SocketError) -> Nowait<[UInt8]> {
        try Check.length(length)
        return try nowait(socket, .recv(length: length, flags: flags.rawValue), caller, handle) { s throws(SocketError) in
            switch s {
            case .data(let d), .more(let d): return d
            default: throw .invalid(.state)
            }
        }
    }

    public func recvfrom(_ socket: Socket, length: Int, flags: MessageFlags, timeout: Timeout) async throws(SocketError) -> Datagram {
        try Check.length(length)
        try Check.datagram(socket, call: "recvfrom")
        guard case .datagram(let src, let d) = try await socket.engine.perform(
            socket, .recvfrom(length: length, flags: flags.rawValue), timeout: timeout) else {
            throw .invalid(.state)
        }
        return Datagram(source: src, data: d)
    }

    public func recvfrom(_ socket: Socket, length: Int, flags: MessageFlags, nowait caller: Mailbox,
                         handle: Handle?) throws(SocketError) -> Nowait<Datagram> {
        try Check.length(length)
        try Check.datagram(socket, call: "recvfrom")
        return try nowait(socket, .recvfrom(length: length, flags: flags.rawValue), caller, handle) { s throws(SocketError) in
            guard case .datagram(let src, let d) = s else { throw .invalid(.state) }
            return Datagram(source: src, data: d)
        }
    }

    public func recvmsg(_ socket: Socket, bufferSizes: [Int], controlSize: Int, flags: MessageFlags,
                        timeout: Timeout) async throws(SocketError) -> ReceivedMessage {
        try Check.buffers(bufferSizes, controlSize)
        guard case .message(let m) = try await socket.engine.perform(
            socket, .recvmsg(bufferSizes: bufferSizes, controlSize: controlSize, flags: flags.rawValue),
            timeout: timeout) else {
            throw .invalid(.state)
        }
        return m
    }

    public func recvmsg(_ socket: Socket, bufferSizes: [Int], controlSize: Int, flags: MessageFlags,
                        nowait caller: Mailbox, handle: Handle?) throws(SocketError) -> Nowait<ReceivedMessage> {
        try Check.buffers(bufferSizes, controlSize)
        return try nowait(socket, .recvmsg(bufferSizes: bufferSizes, controlSize: controlSize, flags: flags.rawValue),
                          caller, handle) { s throws(SocketError) in
            guard case .message(let m) = s else { throw .invalid(.state) }
            return m
        }
    }

    /// Starts a `nowait` operation and shapes its outcome for the caller.
    private func nowait<V>(_ socket: Socket, _ request: Request, _ caller: Mailbox, _ handle: Handle?,
                           _ value: (CompletionStatus) throws(SocketError) -> V) throws(SocketError) -> Nowait<V> {
        switch try socket.engine.begin(socket, request, caller: caller, handle: handle, deadline: nil) {
        case .done(.error(let e)):
            throw e
        case .done(let s):
            return .ok(try value(s))
        case .pending(.select(let i), let partial):
            return .select(i, partial: try partial.map { p throws(SocketError) in try value(p) })
        case .pending(.completion(let i), let partial):
            return .completion(i, partial: try partial.map { p throws(SocketError) in try value(p) })
        }
    }
}
