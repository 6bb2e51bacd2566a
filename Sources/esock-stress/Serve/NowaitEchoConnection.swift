import ESock

/// The Erlang-shaped path: `nowait` calls and a mailbox per connection, as an Erlang process
/// would write it. On poll a pending call returns select info and the loop calls again after
/// the `select` message; on uring the `completion` message carries the result.
struct NowaitEchoConnection: ConnectionHandler {
    let api: any SocketAPI
    let mode: ServeMode

    func serve(_ socket: Socket, stats: ServerStats) async {
        defer { try? api.close(socket) }
        let mailbox = Mailbox()
        do throws(SocketError) {
            while true {
                let data = try await receive(socket, mailbox)
                stats.bytesIn.add(data.count, ordering: .relaxed)
                guard mode == .echo else { continue }
                try await send(socket, data, mailbox)
                stats.bytesOut.add(data.count, ordering: .relaxed)
            }
        } catch {
            AwaitingEchoConnection.classify(error, stats: stats)
        }
    }

    private func receive(_ socket: Socket, _ mailbox: Mailbox) async throws(SocketError) -> [UInt8] {
        while true {
            switch try api.recv(socket, length: 0, nowait: mailbox) {
            case .ok(let data):
                return data
            case .select:
                guard try await next(mailbox) != nil else { continue }
            case .completion:
                if case .data(let data)? = try await next(mailbox) { return data }
            }
        }
    }

    private func send(_ socket: Socket, _ data: [UInt8], _ mailbox: Mailbox) async throws(SocketError) {
        var rest = data[...]
        while !rest.isEmpty {
            // The whole message goes as it is; only a remainder is copied.
            let chunk = rest.count == data.count ? data : Array(rest)
            switch try api.send(socket, chunk, nowait: mailbox) {
            case .ok:
                return
            case .select(_, let partial):
                rest = rest.dropFirst(partial ?? 0)
                _ = try await next(mailbox)
            case .completion:
                // The kernel finishes the whole send; the message only confirms it.
                _ = try await next(mailbox)
                return
            }
        }
    }

    /// The next message: nil for `select` (call again), the status for `completion`; an
    /// abort or a failed completion throws.
    private func next(_ mailbox: Mailbox) async throws(SocketError) -> CompletionStatus? {
        switch await mailbox.receive() {
        case .select?: return nil
        case .completion(_, _, .error(let e))?: throw e
        case .completion(_, _, let status)?: return status
        case .abort(_, _, let reason)?, .down(_, _, let reason)?: throw reason
        case nil: throw .cancelled
        }
    }
}
