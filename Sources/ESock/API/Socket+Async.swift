/// Swift-native `async` calls on a socket, on the same machinery as the Erlang-shaped API
/// (the same queues, timeouts and kernel cancellation). Cancelling the calling task cancels
/// the operation in the kernel and throws ``SocketError/cancelled``.
///
/// ```swift
/// let listener = try Socket.listen(on: .inet(.loopback, port: 8080))
/// for try await connection in listener.connections {
///     Task { while true { try await connection.send(try await connection.recv()) } }
/// }
/// ```
extension Socket {
    /// The ``SocketAPI`` of this socket's backend (its loop group).
    public var api: any SocketAPI { ESockAPI(of: self) }

    /// An executor that runs tasks on this socket's loop thread: a task that prefers it is
    /// resumed by the socket's messages without a hop between threads. Keep such tasks
    /// short between awaits: they share the thread with the loop's other sockets.
    public var executor: any TaskExecutor { engine.executor }

    /// Opens a stream socket, binds it to `address` and listens.
    public static func listen(on address: SocketAddress, backlog: Int = 128,
                              backend: Backend = .processDefault) throws(SocketError) -> Socket {
        let api = try socketAPI(backend)
        let s = try api.open(address.domain, .stream, address.domain == .local ? .default : .tcp)
        do {
            if address.domain != .local { try api.setopt(s, .reuseaddr, .bool(true)) }
            try api.bind(s, address)
            try api.listen(s, backlog: backlog)
        } catch {
            try? api.close(s)
            throw error
        }
        return s
    }

    /// Opens a stream socket and connects it to `address`.
    public static func connect(to address: SocketAddress, timeout: Timeout = .infinity,
                               backend: Backend = .processDefault) async throws(SocketError) -> Socket {
        let api = try socketAPI(backend)
        let s = try api.open(address.domain, .stream, address.domain == .local ? .default : .tcp)
        do {
            try await api.connect(s, address, timeout: timeout)
        } catch {
            try? api.close(s)
            throw error
        }
        return s
    }

    /// Accepts a connection.
    public func accept(timeout: Timeout = .infinity) async throws(SocketError) -> Socket {
        try await ESockAPI(of: self).accept(self, timeout: timeout)
    }

    /// Receives `length` bytes (0: whatever is there).
    public func recv(length: Int = 0, timeout: Timeout = .infinity) async throws(SocketError) -> [UInt8] {
        try await ESockAPI(of: self).recv(self, length: length, timeout: timeout)
    }

    /// Sends all of `data`.
    public func send(_ data: [UInt8], timeout: Timeout = .infinity) async throws(SocketError) {
        try await ESockAPI(of: self).send(self, data, timeout: timeout)
    }

    /// Closes the socket.
    public func close() throws(SocketError) { try engine.close(self) }

    /// The connections accepted on this listening socket, one at a time, until the socket
    /// is closed (the sequence then ends) or an accept fails (it throws).
    public var connections: Connections { Connections(listener: self) }

    /// An `AsyncSequence` of accepted connections.
    public struct Connections: AsyncSequence, Sendable {
        public typealias Element = Socket
        let listener: Socket

        public struct AsyncIterator: AsyncIteratorProtocol {
            let listener: Socket
            public mutating func next() async throws(SocketError) -> Socket? {
                do {
                    return try await listener.accept()
                } catch .closed {
                    return nil
                }
            }

            public mutating func next(isolation actor: isolated (any Actor)?) async throws(SocketError) -> Socket? {
                do {
                    return try await listener.accept()
                } catch .closed {
                    return nil
                }
            }
        }

        public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(listener: listener) }
    }
}
