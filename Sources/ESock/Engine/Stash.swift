import DequeModule
#if canImport(Glibc)
import Glibc
#endif

/// Results kept for the next caller after a late cancel (uring).
struct Stash {
    /// Stream bytes, in order.
    var bytes: [UInt8] = []
    /// Whole datagrams or messages, in order.
    var packets = Deque<CompletionStatus>()
    /// Accepted connections, in order.
    var accepted = Deque<Socket>()

    /// Handles of recent peek completions: a peek taken back by cancel is not kept (its
    /// bytes are still in the socket). Bounded; only the latest few can still be unread.
    private var peeks = Deque<Handle>()

    var isEmpty: Bool { bytes.isEmpty && packets.isEmpty && accepted.isEmpty }

    /// Notes that the completion for `handle` was a peek.
    mutating func rememberPeek(_ handle: Handle) {
        if peeks.count == 32 { peeks.removeFirst() }
        peeks.append(handle)
    }

    /// Whether `handle`'s completion was a peek (and forgets it).
    mutating func forgetPeek(_ handle: Handle) -> Bool {
        guard let i = peeks.firstIndex(of: handle) else { return false }
        peeks.remove(at: i)
        return true
    }

    /// Keeps `status`, the result of a cancelled `tag` operation, if it holds data.
    mutating func keep(_ status: CompletionStatus, stream: Bool) {
        switch status {
        case .accepted(let s): accepted.append(s)
        case .data(let d), .more(let d):
            // A zero-length datagram is a datagram too.
            if stream { bytes += d } else { packets.append(status) }
        case .datagram(_, let d):
            if stream { bytes += d } else { packets.append(status) }
        case .message(let m):
            if stream { bytes += m.data } else { packets.append(status) }
        default: break
        }
    }

    /// Puts back `status`, a result taken back from a caller's mailbox, before everything
    /// kept: it was handed out (from the front of the stash, or by an operation that ran
    /// when the stash was empty) before anything now in the stash arrived.
    mutating func putBack(_ status: CompletionStatus, stream: Bool) {
        var front = Stash()
        front.keep(status, stream: stream)
        bytes = front.bytes + bytes
        packets = front.packets + packets
        accepted = front.accepted + accepted
    }

    /// The kept result for a new `request`, converted to that operation's shape; nil if none.
    mutating func take(for request: Request, stream: Bool) -> CompletionStatus? {
        switch request {
        case .accept:
            return accepted.popFirst().map { .accepted($0) }
        case .recv(let len, _), .recvfrom(let len, _):
            if stream {
                guard !bytes.isEmpty else { return nil }
                let n = len == 0 ? bytes.count : min(len, bytes.count)
                let d = Array(bytes.prefix(n))
                // A peek looks without taking.
                if !request.isPeek { bytes.removeFirst(n) }
                if case .recvfrom = request { return .datagram(source: nil, data: d) }
                return len > 0 && n < len ? .more(d) : .data(d)
            }
            guard let p = request.isPeek ? packets.first : packets.popFirst() else { return nil }
            let (src, whole) = Stash.split(p)
            // A datagram read for fewer bytes than it holds gets the first ones, as from
            // the socket (the kernel drops the rest).
            let d = len > 0 ? Array(whole.prefix(len)) : whole
            if case .recvfrom = request { return .datagram(source: src, data: d) }
            return .data(d)
        case .recvmsg(let sizes, _, _):
            // At most what the caller's buffers hold (a size 0 takes whatever there is).
            let capacity = sizes.contains(0) ? Int.max : sizes.reduce(0, +)
            if stream {
                guard !bytes.isEmpty else { return nil }
                let d = Array(bytes.prefix(capacity))
                bytes.removeFirst(d.count)
                return .message(ReceivedMessage(address: nil, iov: Stash.scatter(d, sizes), control: [], flags: 0))
            }
            guard let p = packets.popFirst() else { return nil }
            var m: ReceivedMessage
            if case .message(let kept) = p {
                m = kept
            } else {
                let (src, d) = Stash.split(p)
                m = ReceivedMessage(address: src, iov: [d], control: [], flags: 0)
            }
            let whole = m.data
            if whole.count > capacity { m.flags |= Int32(MSG_TRUNC) }
            m.iov = Stash.scatter(Array(whole.prefix(capacity)), sizes)
            return .message(m)
        default:
            return nil
        }
    }

    /// `data` spread over buffers of `sizes` bytes, as the kernel fills them (a size 0
    /// takes the rest); only buffers that got data are listed.
    private static func scatter(_ data: [UInt8], _ sizes: [Int]) -> [[UInt8]] {
        var iov: [[UInt8]] = []
        var rest = data[...]
        for size in sizes where !rest.isEmpty {
            let part = size > 0 ? rest.prefix(size) : rest
            iov.append(Array(part))
            rest = rest.dropFirst(part.count)
        }
        return iov
    }

    private static func split(_ p: CompletionStatus) -> (SocketAddress?, [UInt8]) {
        switch p {
        case .datagram(let a, let d): return (a, d)
        case .message(let m): return (m.address, m.data)
        case .data(let d), .more(let d): return (nil, d)
        default: return (nil, [])
        }
    }

    /// Gives back everything kept (for close: accepted sockets must be closed).
    mutating func drainAccepted() -> [Socket] {
        defer { accepted.removeAll() }
        return Array(accepted)
    }
}
