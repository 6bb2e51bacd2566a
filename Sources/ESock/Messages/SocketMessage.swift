/// A message a socket sends to a caller's ``Mailbox``: OTP's `{'$socket', Socket, Tag, Info}`,
/// or, for a monitor, OTP's `{'DOWN', Reference, socket, Socket, Info}`.
public enum SocketMessage: Sendable, CustomStringConvertible {
    /// poll backend: the operation with this handle can now make progress; call again.
    case select(Socket, Handle)
    /// uring backend: the operation with this handle finished; `status` is its result.
    case completion(Socket, Handle, CompletionStatus)
    /// The operation with this handle was aborted (for example the socket was closed).
    case abort(Socket, Handle, SocketError)
    /// The socket a caller monitors closed (or was already closed when the monitor was set):
    /// the handle is the monitor's reference and the error why (`closed`). See
    /// ``SocketAPI/monitor(_:caller:)``.
    case down(Socket, Handle, SocketError)

    /// The socket the message is about.
    public var socket: Socket {
        switch self {
        case .select(let s, _), .completion(let s, _, _), .abort(let s, _, _), .down(let s, _, _): return s
        }
    }

    /// The handle of the operation the message is about (for `down`, the monitor's reference).
    public var handle: Handle {
        switch self {
        case .select(_, let h), .completion(_, let h, _), .abort(_, let h, _), .down(_, let h, _): return h
        }
    }

    public var description: String {
        switch self {
        case .select(let s, let h): return "{'$socket', \(s), select, \(h)}"
        case .completion(let s, let h, let st): return "{'$socket', \(s), completion, {\(h), \(st)}}"
        case .abort(let s, let h, let r): return "{'$socket', \(s), abort, {\(h), \(r)}}"
        case .down(let s, let h, let r): return "{'DOWN', \(h), socket, \(s), \(r)}"
        }
    }
}

/// The final result of an operation completed on the uring backend (OTP's CompletionStatus).
public enum CompletionStatus: Sendable, CustomStringConvertible {
    /// connect finished.
    case ok
    /// accept finished: the new connection.
    case accepted(Socket)
    /// send, sendto or sendmsg finished: all bytes were written.
    case sent(Int)
    /// recv finished with all that was asked for (or whatever arrived, for length 0).
    case data([UInt8])
    /// A stream recv for N bytes finished with fewer; call again for the rest (OTP's `more`).
    case more([UInt8])
    /// recvfrom finished.
    case datagram(source: SocketAddress?, data: [UInt8])
    /// recvmsg finished.
    case message(ReceivedMessage)
    /// The operation failed.
    case error(SocketError)

    public var description: String {
        switch self {
        case .ok: return "ok"
        case .accepted(let s): return "{ok, \(s)}"
        case .sent(let n): return "{ok, \(n) bytes}"
        case .data(let d): return "{ok, \(d.count) bytes}"
        case .more(let d): return "{more, \(d.count) bytes}"
        case .datagram(let a, let d): return "{ok, {\(a.map { "\($0)" } ?? "undefined"), \(d.count) bytes}}"
        case .message(let m): return "{ok, msg \(m.data.count) bytes}"
        case .error(let e): return "{error, \(e)}"
        }
    }
}

/// A message to send with `sendmsg`: OTP's `msg_send()`.
public struct OutgoingMessage: Sendable {
    /// The destination; nil on a connected socket.
    public var address: SocketAddress?
    /// The data, as several buffers sent in one call (scatter/gather).
    public var iov: [[UInt8]]
    /// Ancillary data.
    public var control: [ControlMessage]

    public init(address: SocketAddress? = nil, iov: [[UInt8]], control: [ControlMessage] = []) {
        self.address = address
        self.iov = iov
        self.control = control
    }

    /// The total number of data bytes.
    public var count: Int { iov.reduce(0) { $0 + $1.count } }
}

/// A message received with `recvmsg`: OTP's `msg_recv()`.
public struct ReceivedMessage: Sendable {
    /// The source address (datagram sockets); nil when the kernel gave none.
    public var address: SocketAddress?
    /// The data, split over the buffers asked for.
    public var iov: [[UInt8]]
    /// Ancillary data.
    public var control: [ControlMessage]
    /// The `MSG_*` flags the kernel returned (`MSG_TRUNC`, `MSG_CTRUNC`, `MSG_EOR`, ...).
    public var flags: Int32

    /// All data bytes in order.
    public var data: [UInt8] { iov.flatMap { $0 } }
}

/// One ancillary data item (a `cmsghdr`): level, type and raw data. ``value`` decodes the
/// kinds OTP decodes (``ControlMessageValue``); ``init(_:)`` builds one from such a value.
public struct ControlMessage: Sendable, Hashable {
    /// The protocol level (`SOL_SOCKET`, `IPPROTO_IP`, `IPPROTO_IPV6`, ...).
    public var level: Int32
    /// The message type at that level (`SCM_RIGHTS`, `IP_PKTINFO`, ...).
    public var type: Int32
    /// The data after the header, as the kernel gave it (or is to get it).
    public var data: [UInt8]

    /// A control message with raw level, type and data.
    public init(level: Int32, type: Int32, data: [UInt8]) {
        self.level = level
        self.type = type
        self.data = data
    }
}
