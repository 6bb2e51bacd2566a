/// A socket held weakly: a caller's links never keep a socket alive.
struct WeakSocket {
    weak var socket: Socket?
}

/// What a caller is linked to: the sockets it owns, and the sockets it may have operations
/// on (queued or current), so that its end reaches all of them.
struct MailboxLinks {
    var ended = false
    var owned: [UInt64: WeakSocket] = [:]
    var involved: [UInt64: WeakSocket] = [:]
    /// When `involved` is next cleared of sockets that no longer exist.
    var pruneAt = 64
}

/// A caller's end, as an Erlang process's exit: what it owned closes, what it waited for is
/// cancelled, and its monitors stop.
extension Mailbox {
    /// Ends this caller, as an Erlang process exits: the sockets it owns are closed (their
    /// other callers get `abort`, their monitors `down`), its queued and current operations
    /// on every socket are cancelled (so it cannot hold other callers up), its monitors are
    /// removed, and its waiting messages are dropped. Calling it again does nothing.
    ///
    /// A mailbox nobody references any more ends by itself: the sockets it owned are
    /// closed shortly after. A mailbox with operations still pending is referenced by them;
    /// end it explicitly.
    public func end() {
        let (owned, involved) = links.withLock { l -> ([Socket], [Socket]) in
            guard !l.ended else { return ([], []) }
            l.ended = true
            defer {
                l.owned = [:]
                l.involved = [:]
            }
            return (l.owned.values.compactMap(\.socket), l.involved.values.compactMap(\.socket))
        }
        MonitorTable.shared.removeAll(of: self)
        for s in involved { s.engine.callerEnded(s, self) }
        for s in owned where s.owner === self { try? s.engine.close(s) }
        discardMessages()
    }

    /// Whether ``end()`` was called.
    public var isEnded: Bool { links.withLock { $0.ended } }

    /// Notes that this caller may have an operation on `socket`. Called with the socket's
    /// lock held; never takes another socket's lock.
    func involve(_ socket: Socket) {
        guard !isPrivate else { return }
        links.withLock { l in
            guard l.involved[socket.id] == nil else { return }
            l.involved[socket.id] = WeakSocket(socket: socket)
            if l.involved.count >= l.pruneAt {
                l.involved = l.involved.filter { $0.value.socket != nil }
                l.pruneAt = Swift.max(64, 2 * l.involved.count)
            }
        }
    }

    /// Records that this caller now owns `socket`.
    func own(_ socket: Socket) {
        links.withLock { $0.owned[socket.id] = WeakSocket(socket: socket) }
    }

    /// Records that this caller no longer owns `socket`.
    func disown(_ socket: Socket) {
        links.withLock { $0.owned[socket.id] = nil }
    }

    /// The mailbox is going away without ``end()``: the sockets it owned close. Not here:
    /// the last reference may go while a socket's lock is held (a waiter let go of it), and
    /// closing takes socket locks.
    func ownerGone() {
        let owned = links.withLock { l in l.ended ? [] : l.owned.values.compactMap(\.socket) }
        guard !owned.isEmpty else { return }
        Task.detached {
            for s in owned where s.owner == nil { try? s.engine.close(s) }
        }
    }
}

extension Engine {
    /// `caller` ended: every operation of its on `socket`, queued or current, is cancelled
    /// as its own cancel would (uring: a result that comes anyway is kept for the next caller).
    func callerEnded(_ socket: Socket, _ caller: Mailbox) {
        let pending: [PendingInfo] = socket.state.withLock { st in
            guard !st.closed else { return [] }
            var found: [PendingInfo] = []
            for d in Direction.allCases {
                if let c = st[d].current, c.caller === caller { found.append(pendingInfo(c.tag, c.handle)) }
                for w in st[d].queued where w.caller === caller { found.append(pendingInfo(w.tag, w.handle)) }
            }
            return found
        }
        for info in pending { try? cancel(socket, info, caller: caller) }
    }
}
