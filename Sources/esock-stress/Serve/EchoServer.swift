import ESock
import Synchronization

/// A TCP echo (or discard) server on ESock: a listener, an accept loop, and one
/// ``ConnectionHandler`` run per accepted connection.
final class EchoServer: Sendable {
    let api: any SocketAPI
    let listener: Socket
    /// The port the listener is bound to (the real one when 0 was asked for).
    let port: UInt16
    let stats = ServerStats()
    private let handler: any ConnectionHandler
    private let path: ServePath
    private let mode: ServeMode
    private let live = Lock<LiveState>(LiveState())

    private struct LiveState {
        var stopping = false
        var sockets: [UInt64: Socket] = [:]
        /// The streaming path's run() waiting for stop().
        var stopWaiter: CheckedContinuation<Void, Never>?
    }

    /// Opens, binds and listens. A busy port or a bad address throws a ``CLIFailure``.
    init(api: any SocketAPI, host: Host, port: UInt16, mode: ServeMode, path: ServePath = .stream,
         backlog: Int = 1024) throws(CLIFailure) {
        self.api = api
        self.path = path
        self.mode = mode
        let place = host.display(port: port)
        let l: Socket
        do {
            l = try api.open(host.domain, .stream, .tcp)
        } catch {
            throw CLIFailure("cannot open a listening socket", error)
        }
        do {
            try api.setopt(l, .reuseaddr, .bool(true))
            try api.bind(l, host.socketAddress(port: port))
            try api.listen(l, backlog: backlog)
            self.port = try api.sockname(l).port ?? port
        } catch {
            try? api.close(l)
            if error.reason == .errno(.eaddrinuse) {
                throw CLIFailure("cannot listen on \(place): port \(port) is already in use (eaddrinuse)")
            }
            throw CLIFailure("cannot listen on \(place)", error)
        }
        self.listener = l
        switch path {
        case .nowait: self.handler = NowaitEchoConnection(api: api, mode: mode)
        default: self.handler = AwaitingEchoConnection(api: api, mode: mode)
        }
    }

    /// Accepts and serves until ``stop()``; returns once every connection has ended.
    func run() async {
        if path == .stream {
            await runStreaming()
            return
        }
        await withDiscardingTaskGroup { group in
            while true {
                let socket: Socket
                do throws(SocketError) {
                    socket = try await api.accept(listener)
                } catch {
                    if isStopping { return }
                    if error.reason == .closed { return }
                    stats.recordError("accept: \(Describe.socketError(error))")
                    // EMFILE and the like: back off a little instead of spinning.
                    try? await Task.sleep(for: .milliseconds(10))
                    continue
                }
                stats.accepted.add(1, ordering: .relaxed)
                guard track(socket) else {
                    try? api.close(socket)
                    return
                }
                try? api.setopt(socket, .nodelay, .bool(true))
                // On its loop's executor a socket's messages resume its task without a thread hop.
                group.addTask(executorPreference: socket.executor) { [handler, stats] in
                    stats.active.add(1, ordering: .relaxed)
                    await handler.serve(socket, stats: stats)
                    stats.active.subtract(1, ordering: .relaxed)
                    self.untrack(socket)
                }
            }
        }
    }

    /// The fast path: a multishot accept hands each connection to a ``StreamEchoHandler``
    /// on the loop thread; this task only waits for ``stop()``.
    private func runStreaming() async {
        let handler = StreamEchoHandler(api: api, mode: mode, stats: stats) { [weak self] socket in
            self?.stats.active.subtract(1, ordering: .relaxed)
            self?.untrack(socket)
        }
        do throws(SocketError) {
            try api.acceptLoop(listener, onEnd: { [weak self] reason in
                // The listener closing at stop() ends the loop; anything else is an error.
                guard let self, reason != .closed else { return }
                stats.recordError("accept loop ended: \(Describe.socketError(reason))")
            }) { [weak self] socket in
                guard let self else { try? socket.close(); return }
                stats.accepted.add(1, ordering: .relaxed)
                guard track(socket) else { try? api.close(socket); return }
                stats.active.add(1, ordering: .relaxed)
                try? api.setopt(socket, .nodelay, .bool(true))
                do throws(SocketError) {
                    try api.stream(socket, to: handler)
                } catch {
                    stats.recordError("stream: \(Describe.socketError(error))")
                    try? api.close(socket)
                }
            }
        } catch {
            stats.recordError("accept loop: \(Describe.socketError(error))")
            return
        }
        // Wait for stop() without waking up meanwhile: the fast path allocates nothing per
        // message, and a polling sleep here would be the only allocation left.
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let stopped = live.withLock { st -> Bool in
                if st.stopping { return true }
                st.stopWaiter = c
                return false
            }
            if stopped { c.resume() }
        }
    }

    /// Stops accepting and closes every connection; ``run()`` then returns.
    func stop() {
        let (sockets, waiter) = live.withLock { s -> ([Socket], CheckedContinuation<Void, Never>?) in
            s.stopping = true
            let all = Array(s.sockets.values)
            s.sockets.removeAll()
            defer { s.stopWaiter = nil }
            return (all, s.stopWaiter)
        }
        waiter?.resume()
        try? api.close(listener)
        for s in sockets { try? api.close(s) }
    }

    private var isStopping: Bool { live.withLock { $0.stopping } }

    /// Remembers a live connection so ``stop()`` can close it; false once stopping.
    private func track(_ s: Socket) -> Bool {
        live.withLock { st in
            if st.stopping { return false }
            st.sockets[s.id] = s
            return true
        }
    }

    private func untrack(_ s: Socket) {
        _ = live.withLock { $0.sockets.removeValue(forKey: s.id) }
    }
}
