import ESock

/// The fast path's per-connection logic: every received byte (lent by the loop) is written
/// back through the socket's outbox, without a task, a copy into an array, or an allocation.
final class StreamEchoHandler: StreamHandler {
    let api: any SocketAPI
    let mode: ServeMode
    let stats: ServerStats
    let onEnd: @Sendable (Socket) -> Void

    init(api: any SocketAPI, mode: ServeMode, stats: ServerStats, onEnd: @escaping @Sendable (Socket) -> Void) {
        self.api = api
        self.mode = mode
        self.stats = stats
        self.onEnd = onEnd
    }

    func received(_ bytes: UnsafeRawBufferPointer, on socket: Socket) {
        stats.bytesIn.add(bytes.count, ordering: .relaxed)
        guard mode == .echo else { return }
        do {
            try api.write(socket, bytes)
            stats.bytesOut.add(bytes.count, ordering: .relaxed)
        } catch {
            AwaitingEchoConnection.classify(error, stats: stats)
        }
    }

    func ended(_ socket: Socket, reason: SocketError) {
        AwaitingEchoConnection.classify(reason, stats: stats)
        try? api.close(socket)
        onEnd(socket)
    }
}
