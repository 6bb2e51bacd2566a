@testable import ESock

/// New connections: clients connect (awaiting or nowait) to the listener, callers accept
/// (awaiting or nowait). Every connection must be accepted exactly once.
extension ModelRun {
    static let maxClients = 6

    func connect(nowait: Bool) async {
        guard clients.count + connecting.count < Self.maxClients else { return note("  skip: enough clients") }
        operations += 1
        do {
            let c = try api.open(.inet, .stream, .tcp)
            remember(c)
            if !nowait {
                try await api.connect(c, address, timeout: .seconds(2))
                clients.append(c)
                return
            }
            let r = try api.connect(c, address, nowait: connectBox)
            switch r {
            case .ok: clients.append(c)
            default:
                checkShape(r.pending!, "connect")
                connecting[r.handle!] = c
            }
        } catch {
            violation("connect: \(error)")
        }
    }

    /// Finishes nowait connects whose message came: poll calls `connect(socket)` after
    /// `select`; uring's completion is the result.
    func takeConnectMessages() {
        while let m = connectBox.tryReceive() {
            guard let c = connecting.removeValue(forKey: m.handle), c === m.socket else {
                violation("connect: \(m) is about no pending connect")
                continue
            }
            switch m {
            case .select:
                do {
                    try api.connect(c)
                    clients.append(c)
                } catch {
                    violation("connect after select: \(error)")
                }
            case .completion(_, _, .ok):
                clients.append(c)
            default:
                violation("connect: \(m)")
            }
        }
    }

    func acceptNowait(_ c: Int) {
        guard pending[c][.accept] == nil else { return note("  skip: c\(c) already accepts") }
        operations += 1
        do {
            let r = try api.accept(listener, nowait: mailboxes[c])
            switch r {
            case .ok(let s):
                accepted.append(s)
                remember(s)
            default:
                checkShape(r.pending!, "accept")
                pending[c][.accept] = PendingOp(kind: .accept, info: r.pending!, key: key())
            }
        } catch {
            violation("accept: \(error)")
        }
    }

    func acceptAwait(_ ms: Int) async {
        operations += 1
        do {
            let s = try await api.accept(listener, timeout: .milliseconds(ms))
            accepted.append(s)
            remember(s)
        } catch {
            if error != .timeout { violation("accept: \(error)") }
        }
    }
}
