#if canImport(Glibc)
import Glibc
#endif

/// The three queues of a socket: one current operation each, others wait in FIFO order.
enum Direction: Int, CaseIterable {
    case read, write, accept

    init(_ tag: OperationTag) {
        switch tag {
        case .recv, .recvfrom, .recvmsg: self = .read
        case .send, .sendto, .sendmsg, .sendfile, .connect: self = .write
        case .accept: self = .accept
        }
    }
}

/// The parameters of one operation, as a backend needs them to (re)try it.
///
/// The cases carrying a socket address are `indirect`: a `SockaddrStorage` is 132 bytes, and
/// every awaiting call keeps several requests in its task's frame while it waits (it made
/// that frame several KB per waiting connection).
enum Request: @unchecked Sendable {
    case accept
    indirect case connect(SockaddrStorage)
    /// Receive `length` bytes (0: whatever is there).
    case recv(length: Int, flags: Int32)
    case recvfrom(length: Int, flags: Int32)
    case recvmsg(bufferSizes: [Int], controlSize: Int, flags: Int32)
    case send(data: [UInt8], flags: Int32)
    indirect case sendto(data: [UInt8], to: SockaddrStorage, flags: Int32)
    indirect case sendmsg(OutgoingMessage, to: SockaddrStorage?, flags: Int32)
    /// Send `count` bytes of the open file `file` from `offset`, through the kernel.
    case sendfile(file: Int32, offset: Int, count: Int)

    var tag: OperationTag {
        switch self {
        case .accept: return .accept
        case .connect: return .connect
        case .recv: return .recv
        case .recvfrom: return .recvfrom
        case .recvmsg: return .recvmsg
        case .send: return .send
        case .sendto: return .sendto
        case .sendmsg: return .sendmsg
        case .sendfile: return .sendfile
        }
    }

    var direction: Direction { Direction(tag) }

    /// This request with the first `n` bytes of its data already written.
    func advanced(by n: Int) -> Request {
        switch self {
        case .send(let d, let f): return .send(data: Array(d.dropFirst(n)), flags: f)
        case .sendto(let d, let a, let f): return .sendto(data: Array(d.dropFirst(n)), to: a, flags: f)
        case .sendmsg(let m, let a, let f):
            var rest = n
            var iov: [[UInt8]] = []
            for b in m.iov {
                if rest >= b.count { rest -= b.count; continue }
                iov.append(Array(b.dropFirst(rest)))
                rest = 0
            }
            var m2 = m
            m2.iov = iov
            // Control data went out with the first byte; the rest must not carry it again.
            if n > 0 { m2.control = [] }
            return .sendmsg(m2, to: a, flags: f)
        case .sendfile(let file, let offset, let count):
            return .sendfile(file: file, offset: offset + n, count: Swift.max(count - n, 0))
        default: return self
        }
    }

    /// The MSG_* flags of a receive, 0 for other requests.
    var receiveFlags: Int32 {
        switch self {
        case .recv(_, let f), .recvfrom(_, let f), .recvmsg(_, _, let f): return f
        default: return 0
        }
    }

    /// A receive that looks at the data without taking it (MSG_PEEK): its bytes stay in the
    /// socket, so it is one try (never continued from where it stopped) and its result is
    /// never kept for another caller.
    var isPeek: Bool { receiveFlags & Int32(MSG_PEEK) != 0 }

    /// A receive with MSG_TRUNC: the kernel reports lengths beyond the buffer (datagrams)
    /// or discards the bytes without copying them (TCP), so the buffer starts zeroed and
    /// no count is trusted past its end.
    var isTrunc: Bool { receiveFlags & Int32(MSG_TRUNC) != 0 }

    /// The length a recv asked for (0: whatever is there); 0 for other requests.
    var recvLength: Int {
        if case .recv(let len, _) = self { return len }
        return 0
    }

    /// A stream recv for `length` bytes (not a peek): it goes on until all have arrived.
    func isExactStreamRecv(stream: Bool) -> Bool {
        if case .recv(let len, _) = self { return stream && len > 0 && !isPeek }
        return false
    }

    /// A stream recv for `length` bytes with `n` already received.
    func remaining(after n: Int) -> Request {
        if case .recv(let len, let f) = self, len > 0 { return .recv(length: len - n, flags: f) }
        return self
    }
}

/// Flags for send and receive calls (`MSG_*`).
public struct MessageFlags: OptionSet, Sendable, Hashable {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// Look at the data without removing it.
    public static let peek = MessageFlags(rawValue: Int32(MSG_PEEK))
    /// Out-of-band data.
    public static let oob = MessageFlags(rawValue: Int32(MSG_OOB))
    /// Bypass routing; send only to directly connected hosts.
    public static let dontroute = MessageFlags(rawValue: Int32(MSG_DONTROUTE))
    /// End of record (seqpacket).
    public static let eor = MessageFlags(rawValue: Int32(MSG_EOR))
    /// More data follows (like TCP cork for one call).
    public static let more = MessageFlags(rawValue: Int32(MSG_MORE))
    /// Tell the link layer that forward progress happened.
    public static let confirm = MessageFlags(rawValue: Int32(MSG_CONFIRM))
    /// Return the real length of a truncated datagram.
    public static let trunc = MessageFlags(rawValue: Int32(MSG_TRUNC))
    /// recvmsg: read the socket's error queue (with `ip.recverr` or `ipv6.recverr` on), whose
    /// entries come as ``ControlMessageValue/ipRecvErr(_:)`` control messages.
    public static let errqueue = MessageFlags(rawValue: Int32(MSG_ERRQUEUE))
}
