/// Scoped lifetimes: a server whose connections and listener close on every exit path, and
/// helpers that close a socket when the code using it returns or throws.
///
/// ```swift
/// try await Socket.withListener(on: .inet(.loopback, port: 8080)) { listener in
///     try await listener.serve { connection in
///         while true { try await connection.send(try await connection.recv()) }
///     }
/// }
/// ```
extension Socket {
    /// Serves connections on this listening socket until the calling task is cancelled or
    /// the listener is closed, then closes the listener.
    ///
    /// Each accepted connection runs `handler` in a child task of a discarding task group,
    /// on the connection's own loop (``executor``), and is closed when `handler` returns or
    /// throws; an error thrown by `handler` ends that connection only. Cancelling the task
    /// that called `serve` cancels the pending accept and every connection's calls in the
    /// kernel (they throw ``SocketError/cancelled``), so every connection closes, and `serve`
    /// returns once all have. Accept errors that concern one connection are skipped, running
    /// out of descriptors or memory pauses accepting briefly, and any other accept error is
    /// thrown after the connections have finished.
    public func serve(_ handler: @escaping @Sendable (Socket) async throws -> Void) async throws(SocketError) {
        defer { try? close() }
        let failure: SocketError? = await withDiscardingTaskGroup { group in
            while true {
                let connection: Socket
                do throws(SocketError) {
                    connection = try await accept()
                } catch .closed, .cancelled {
                    return nil
                } catch {
                    if case .errno(let e) = error.reason {
                        switch AcceptLoopError(e) {
                        case .skip: continue
                        case .pause:
                            try? await Task.sleep(for: AcceptLoopError.pauseDuration)
                            continue
                        case .end: break
                        }
                    }
                    return error
                }
                group.addTask(executorPreference: connection.executor) {
                    defer { try? connection.close() }
                    try? await handler(connection)
                }
            }
        }
        if let failure { throw failure }
    }

    /// Opens a listening socket on `address` (see ``listen(on:backlog:backend:)``), runs
    /// `body` with it, and closes it when `body` returns or throws.
    public static func withListener<Result>(
        on address: SocketAddress, backlog: Int = 128, backend: Backend = .processDefault,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (Socket) async throws -> Result
    ) async throws -> Result {
        let listener = try listen(on: address, backlog: backlog, backend: backend)
        return try await listener.closing(body)
    }

    /// Connects a stream socket to `address` (see ``connect(to:timeout:backend:)``), runs
    /// `body` with it, and closes it when `body` returns or throws.
    public static func withConnection<Result>(
        to address: SocketAddress, timeout: Timeout = .infinity, backend: Backend = .processDefault,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (Socket) async throws -> Result
    ) async throws -> Result {
        let connection = try await connect(to: address, timeout: timeout, backend: backend)
        return try await connection.closing(body)
    }

    /// Runs `body` with this socket and closes it when `body` returns or throws (a socket
    /// already closed stays so).
    public func closing<Result>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (Socket) async throws -> Result
    ) async throws -> Result {
        defer { try? close() }
        return try await body(self)
    }
}
