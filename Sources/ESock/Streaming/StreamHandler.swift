/// Receives a stream socket's bytes as they arrive, on the backend's loop thread, with no
/// copy and no allocation per message: the fast path for servers (echo, proxies, protocol
/// parsers).
///
/// On uring the bytes are a buffer of the loop's provided-buffer ring, filled by a multishot
/// receive; on poll they are the loop's read buffer. Either way `bytes` is lent for the call
/// only: copy what you keep. Calls for one socket never overlap. Keep the work short: the
/// loop serves every other socket of its backend.
public protocol StreamHandler: AnyObject, Sendable {
    /// Bytes arrived on `socket`.
    func received(_ bytes: UnsafeRawBufferPointer, on socket: Socket)
    /// The stream ended: `.closed` when the peer closed it or the socket was closed, else
    /// the error. Called once; no `received` follows.
    func ended(_ socket: Socket, reason: SocketError)
}

extension SocketAPI {
    /// Starts delivering `socket`'s incoming bytes to `handler` (see ``StreamHandler``).
    /// The socket's read side then belongs to the handler: recv calls on it give
    /// `invalid(state)`. Sends (``write(_:_:)`` or the send calls) work as usual.
    public func stream(_ socket: Socket, to handler: any StreamHandler) throws(SocketError) {
        guard socket.type == .stream else {
            throw .invalid(.operation("stream needs a stream socket, this one is \(socket.type)"))
        }
        try socket.engine.startStream(socket, handler)
    }

    /// Queues `bytes` (copied) for sending on `socket`, in order, without waiting. One send is
    /// in flight per socket; later writes join the queue. Safe from any thread, including a
    /// ``StreamHandler`` callback.
    public func write(_ socket: Socket, _ bytes: UnsafeRawBufferPointer) throws(SocketError) {
        try socket.engine.write(socket, bytes)
    }

    /// Queues `bytes` for sending on `socket` without waiting.
    public func write(_ socket: Socket, _ bytes: [UInt8]) throws(SocketError) {
        let r: Result<Void, SocketError> = bytes.withUnsafeBytes { b in
            do throws(SocketError) { try socket.engine.write(socket, b); return .success(()) } catch { return .failure(error) }
        }
        try r.get()
    }

    /// Accepts connections on `listener` continuously (a multishot accept on uring) and
    /// hands each to `onAccept`, on the loop thread, until the listener is closed.
    public func acceptLoop(_ listener: Socket, _ onAccept: @escaping @Sendable (Socket) -> Void) throws(SocketError) {
        try Check.acceptable(listener)
        try listener.engine.startAccepting(listener, onAccept)
    }
}

/// A socket's streaming state: who gets its bytes, and what waits to be sent.
final class StreamState: @unchecked Sendable {
    let handler: (any StreamHandler)?
    let onAccept: (@Sendable (Socket) -> Void)?
    /// Set once `ended` has been called (or the accept loop stopped).
    var ended = false

    init(handler: (any StreamHandler)?, onAccept: (@Sendable (Socket) -> Void)?) {
        self.handler = handler
        self.onAccept = onAccept
    }
}

extension Engine {
    /// Tells `handler` that the stream ended, once, whichever path (peer, error, close) gets
    /// there first.
    func end(_ socket: Socket, _ stream: StreamState, _ handler: any StreamHandler, _ reason: SocketError) {
        let first = socket.state.withLock { _ -> Bool in
            defer { stream.ended = true }
            return !stream.ended
        }
        if first { handler.ended(socket, reason: reason) }
    }
}
