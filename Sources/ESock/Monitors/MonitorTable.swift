import Synchronization

/// Every socket monitor in the process: who watches which socket, under which reference.
///
/// Monitors are the same on both backends, so they live outside the engines. A socket's
/// close takes its monitors out and tells each caller `down`; taking an entry out under the
/// lock is what makes the message go exactly once, whichever of close, `monitor` (on a socket
/// that closed meanwhile) and `cancelMonitor` gets there first.
final class MonitorTable: Sendable {
    /// One monitor: the watched socket and the caller told when it closes. The caller is
    /// held weakly, like an Erlang monitor that dies with its process: a mailbox nobody
    /// references any more gets nothing.
    struct Entry {
        let socket: Socket
        weak var caller: Mailbox?
    }

    struct Tables {
        var byReference: [Handle: Entry] = [:]
        /// The references of each socket's monitors, by socket id.
        var bySocket: [UInt64: [Handle]] = [:]
    }

    private let tables = Lock(Tables())
    /// How many monitors exist; a close with none skips the lock.
    private let count = Atomic<Int>(0)

    /// The process's monitors.
    static let shared = MonitorTable()

    /// Adds a monitor of `socket` for `caller` and returns its reference. If the socket is
    /// already closed the caller is told `down` at once, as OTP does.
    func add(_ socket: Socket, caller: Mailbox) -> Handle {
        let reference = Handle()
        tables.withLock { t in
            t.byReference[reference] = Entry(socket: socket, caller: caller)
            t.bySocket[socket.id, default: []].append(reference)
        }
        count.add(1, ordering: .relaxed)
        // A close that ran before the entry was in the table could not see it.
        if socket.state.withLock({ $0.closed }), let gone = remove(reference) {
            gone.caller?.post(.down(socket, reference, .closed))
        }
        return reference
    }

    /// Takes the monitor `reference` out; its entry if it was there.
    func remove(_ reference: Handle) -> Entry? {
        let entry: Entry? = tables.withLock { t in
            guard let e = t.byReference.removeValue(forKey: reference) else { return nil }
            t.bySocket[e.socket.id]?.removeAll { $0 == reference }
            if t.bySocket[e.socket.id]?.isEmpty == true { t.bySocket[e.socket.id] = nil }
            return e
        }
        if entry != nil { count.subtract(1, ordering: .relaxed) }
        return entry
    }

    /// `socket` closed: every caller monitoring it is told `down` with `reason`.
    func socketClosed(_ socket: Socket, reason: SocketError) {
        guard count.load(ordering: .relaxed) > 0 else { return }
        let gone: [(Handle, Entry)] = tables.withLock { t in
            guard let refs = t.bySocket.removeValue(forKey: socket.id) else { return [] }
            return refs.compactMap { r in t.byReference.removeValue(forKey: r).map { (r, $0) } }
        }
        guard !gone.isEmpty else { return }
        count.subtract(gone.count, ordering: .relaxed)
        for (reference, entry) in gone { entry.caller?.post(.down(socket, reference, reason)) }
    }

    /// The references of the monitors of `socket`.
    func references(of socket: Socket) -> [Handle] {
        tables.withLock { t in (t.bySocket[socket.id] ?? []).filter { t.byReference[$0]?.caller != nil } }
    }

    /// The callers monitoring `socket`, each once.
    func callers(of socket: Socket) -> [Mailbox] {
        tables.withLock { t in
            var seen = Set<ObjectIdentifier>()
            return (t.bySocket[socket.id] ?? []).compactMap { t.byReference[$0]?.caller }
                .filter { seen.insert(ObjectIdentifier($0)).inserted }
        }
    }

    /// The sockets `caller` monitors, each once.
    func sockets(monitoredBy caller: Mailbox) -> [Socket] {
        tables.withLock { t in
            var seen = Set<UInt64>()
            return t.byReference.values.filter { $0.caller === caller }.map(\.socket)
                .filter { seen.insert($0.id).inserted }
                .sorted { $0.id < $1.id }
        }
    }

    /// The number of monitors, of `caller` or of every caller; monitors whose caller is gone
    /// are not counted.
    func number(of caller: Mailbox? = nil) -> Int {
        tables.withLock { t in
            t.byReference.values.count { e in
                guard let c = e.caller else { return false }
                return caller == nil || c === caller
            }
        }
    }

    /// Drops every monitor of `caller`: it ended.
    func removeAll(of caller: Mailbox) {
        let refs = tables.withLock { t in t.byReference.filter { $0.value.caller === caller }.map(\.key) }
        for r in refs { _ = remove(r) }
    }
}
