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
    /// `invalid(state)`. Sends (``write(_:_:)-(_,UnsafeRawBufferPointer)`` or the send calls)
    /// work as usual.
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
    ///
    /// Errors that concern one connection (`econnaborted`, ...) are counted (`acc_fails`)
    /// and the loop goes on. When descriptors or memory run out (`emfile`, `enfile`,
    /// `enobufs`, `enomem`) the loop pauses briefly and tries again, so a full descriptor
    /// table neither stops the server nor spins a CPU. Any other error (the listener shut
    /// down, ...) ends the loop; `onEnd` is then called once, on the loop thread, with the
    /// reason: `.closed` when the listener was closed, else the error.
    public func acceptLoop(_ listener: Socket, onEnd: (@Sendable (SocketError) -> Void)? = nil,
                           _ onAccept: @escaping @Sendable (Socket) -> Void) throws(SocketError) {
        try Check.acceptable(listener)
        try listener.engine.startAccepting(listener, StreamState(handler: nil, onAccept: onAccept, onEnd: onEnd))
    }
}

/// A socket's streaming state: who gets its bytes, and what waits to be sent.
final class StreamState: @unchecked Sendable {
    let handler: (any StreamHandler)?
    let onAccept: (@Sendable (Socket) -> Void)?
    /// Told once when an accept loop stops.
    let onEnd: (@Sendable (SocketError) -> Void)?
    /// Set once `ended` has been called (or the accept loop stopped).
    var ended = false

    init(handler: (any StreamHandler)?, onAccept: (@Sendable (Socket) -> Void)?,
         onEnd: (@Sendable (SocketError) -> Void)? = nil) {
        self.handler = handler
        self.onAccept = onAccept
        self.onEnd = onEnd
    }
}

extension Engine {
    /// Ends the stream or accept loop once, whichever path (peer, error, close) gets there
    /// first: tells the handler (`ended`) or the accept loop's `onEnd`. Runs on the loop
    /// thread, so it never overlaps a `received` call and none follows it.
    func end(_ socket: Socket, _ stream: StreamState, _ reason: SocketError) {
        let first = socket.state.withLock { _ -> Bool in
            defer { stream.ended = true }
            return !stream.ended
        }
        guard first else { return }
        streamEnded(socket)
        if let handler = stream.handler {
            handler.ended(socket, reason: reason)
        } else {
            stream.onEnd?(reason)
        }
    }

    /// Ends the stream from any thread (close): the handler hears of it on the loop thread.
    func endOnLoop(_ socket: Socket, _ stream: StreamState, _ reason: SocketError) {
        onLoop { self.end(socket, stream, reason) }
    }
}
