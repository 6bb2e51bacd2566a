/// What `info(socket)` reports, mirroring OTP's `socket:info/1` map.
public struct SocketInfo: Sendable, CustomStringConvertible {
    public let domain: Domain
    public let type: SocketType
    public let `protocol`: SocketProtocol
    /// The socket's label (``OpenOptions/label``).
    public let label: String
    /// The socket's owner (OTP's `owner` pid), nil if none.
    public let owner: Mailbox?
    public let backend: Backend
    public let useRegistry: Bool
    /// Read-side states (`bound`, `listening`, `read_shutdown`, `closed`, ...).
    public let readStates: Set<SocketStateFlag>
    /// Write-side states (`connecting`, `connected`, `write_shutdown`, `closed`, ...).
    public let writeStates: Set<SocketStateFlag>
    public let numReaders: Int
    public let numWriters: Int
    public let numAcceptors: Int
    public let counters: SocketCounters

    public var description: String {
        let c = counters.named.map { "\($0.0) => \($0.1)" }.joined(separator: ", ")
        return "#{backend => \(backend), domain => \(domain), type => \(type), protocol => \(`protocol`), "
            + "owner => \(owner.map { "\($0)" } ?? "undefined"), label => \"\(label)\", rstates => \(readStates.map(\.rawValue).sorted()), "
            + "wstates => \(writeStates.map(\.rawValue).sorted()), num_readers => \(numReaders), "
            + "num_writers => \(numWriters), num_acceptors => \(numAcceptors), counters => #{\(c)}}"
    }
}

extension ESockAPI {
    public func info(_ socket: Socket) -> SocketInfo {
        socket.state.withLock { st in
            var w = st.writeStates
            if st[.write].current?.phase == .selected || st[.read].current?.phase == .selected { w.insert(.selected) }
            var r = st.readStates
            if st[.accept].current != nil { r.insert(.accepting) }
            return SocketInfo(domain: socket.domain, type: socket.type, protocol: socket.protocol, label: socket.label, owner: st.owner,
                              backend: socket.backend, useRegistry: socket.usesRegistry,
                              readStates: r, writeStates: w,
                              numReaders: st[.read].count, numWriters: st[.write].count,
                              numAcceptors: st[.accept].count, counters: st.counters)
        }
    }
}
