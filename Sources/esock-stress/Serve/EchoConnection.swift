import ArgumentParser
import ESock

/// What the server does with the bytes it receives.
enum ServeMode: String, CaseIterable, ExpressibleByArgument, Sendable {
    /// Send every byte back.
    case echo
    /// Read and drop.
    case discard
}

/// Serves one accepted connection until the peer closes, resets, or the server stops.
///
/// This is the seam for the per-connection data path: ``EchoServer`` only accepts and hands
/// each socket to a handler, so a faster path (multishot receive into shared buffers, no
/// task per connection) can replace ``AwaitingEchoConnection`` without touching the rest.
protocol ConnectionHandler: Sendable {
    /// Serves `socket` to the end and closes it; counts into `stats`.
    func serve(_ socket: Socket, stats: ServerStats) async
}

/// The simple path: one task per connection, awaiting `recv(length: 0)` then `send`.
struct AwaitingEchoConnection: ConnectionHandler {
    let api: any SocketAPI
    let mode: ServeMode

    func serve(_ socket: Socket, stats: ServerStats) async {
        defer { try? api.close(socket) }
        while true {
            do {
                let data = try await api.recv(socket, length: 0)
                stats.bytesIn.add(data.count, ordering: .relaxed)
                if mode == .echo {
                    try await api.send(socket, data)
                    stats.bytesOut.add(data.count, ordering: .relaxed)
                }
            } catch {
                Self.classify(error, stats: stats)
                return
            }
        }
    }

    /// Sorts how a connection ended: a clean close (by the peer, or by our own shutdown) is
    /// normal, a reset is counted as one, anything else is an error.
    static func classify(_ error: SocketError, stats: ServerStats) {
        switch error.reason {
        case .closed, .cancelled:
            break
        case .errno(let e) where e == .econnreset || e == .epipe:
            stats.resets.add(1, ordering: .relaxed)
        default:
            stats.recordError("connection: \(Describe.socketError(error))")
        }
    }
}
