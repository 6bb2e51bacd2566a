import DequeModule
#if canImport(Glibc)
import Glibc
#endif

/// Results kept for the next caller after a late cancel (uring).
///
/// Every result that leaves the socket (a completion posted to a caller, or one the kernel
/// delivered for an operation cancelled too late) gets the next sequence number of its
/// direction, in stream order. Kept results stay sorted by that number, so results taken
/// back from several callers' mailboxes go back in the order they arrived, whatever the
/// order of the cancels.
struct Stash {
    /// A place in the stream: the result's sequence number, and the offset within that
    /// result (a result handed out in parts keeps its parts in order).
    struct Place: Comparable {
        var seq: UInt64
        var offset = 0
        static func < (a: Place, b: Place) -> Bool { (a.seq, a.offset) < (b.seq, b.offset) }
    }

    /// A kept result and its place in the stream.
    private struct Kept<Value> {
        var place: Place
        var value: Value
    }

    /// Stream bytes, in order (each piece as it arrived, with the ancillary data that came
    /// with its first byte: the kernel never merges reads across that boundary either).
    private var bytes = Deque<Kept<Piece>>()

    private struct Piece {
        var data: [UInt8]
        var control: [ControlMessage] = []
    }
    /// Whole datagrams or messages, in order.
    private var packets = Deque<Kept<CompletionStatus>>()
    /// Accepted connections, in order.
    private var accepted = Deque<Kept<Socket>>()
    /// Recent completions handed to callers, newest last: their sequence numbers, and
    /// whether they were peeks (a peek taken back is not kept: its bytes are still in the
    /// socket). Bounded; only recent ones can still be unread when a caller cancels.
    private var recent = Deque<(handle: Handle, place: Place, peek: Bool)>()
    private var nextSeq: UInt64 = 1

    var isEmpty: Bool { bytes.isEmpty && packets.isEmpty && accepted.isEmpty }

    /// Notes that a completion with `handle` went to its caller, as the next result in
    /// stream order (or at `place`, when it came out of the stash).
    mutating func posted(_ handle: Handle, peek: Bool, place: Place? = nil) {
        if recent.count == 64 { recent.removeFirst() }
        recent.append((handle, place ?? Place(seq: allocate()), peek))
    }

    private mutating func allocate() -> UInt64 {
        defer { nextSeq += 1 }
        return nextSeq
    }

    /// Keeps `status`, the result of an operation cancelled too late: the newest result.
    mutating func keep(_ status: CompletionStatus, stream: Bool) {
        insert(status, at: Place(seq: allocate()), stream: stream)
    }

    /// Puts back `status`, taken back from the mailbox of the caller of `handle`, in its
    /// place in the stream. Nothing is kept for a peek.
    mutating func takeBack(_ status: CompletionStatus, handle: Handle, stream: Bool) {
        let found = recent.firstIndex { $0.handle == handle }
        let entry = found.map { recent.remove(at: $0) }
        if entry?.peek == true { return }
        // Not recorded (older than the record): it came before anything kept now.
        insert(status, at: entry?.place ?? Place(seq: 0), stream: stream)
    }

    private mutating func insert(_ status: CompletionStatus, at place: Place, stream: Bool) {
        switch status {
        case .accepted(let s):
            Self.insert(Kept(place: place, value: s), into: &accepted)
        case .data(let d), .more(let d), .datagram(_, let d):
            // A zero-length datagram is a datagram too.
            if stream {
                if !d.isEmpty { Self.insert(Kept(place: place, value: Piece(data: d)), into: &bytes) }
            } else {
                Self.insert(Kept(place: place, value: status), into: &packets)
            }
        case .message(let m):
            if stream {
                if !m.data.isEmpty || !m.control.isEmpty {
                    Self.insert(Kept(place: place, value: Piece(data: m.data, control: m.control)), into: &bytes)
                }
            } else {
                Self.insert(Kept(place: place, value: status), into: &packets)
            }
        default: break
        }
    }

    private static func insert<V>(_ k: Kept<V>, into d: inout Deque<Kept<V>>) {
        let i = d.lastIndex { $0.place <= k.place }.map { $0 + 1 } ?? 0
        d.insert(k, at: i)
    }

    /// The kept result for a new `request`, converted to that operation's shape, with the
    /// place of its first part; nil if none. A peek copies without taking.
    mutating func take(for request: Request, stream: Bool) -> (CompletionStatus, Place)? {
        switch request {
        case .accept:
            return accepted.popFirst().map { (.accepted($0.value), $0.place) }
        case .recv(let len, _), .recvfrom(let len, _):
            if stream {
                guard let place = bytes.first?.place else { return nil }
                // recv has nowhere to put ancillary data: passed descriptors are closed, as
                // the kernel closes them for a recv without a control buffer.
                let (d, control) = takeBytes(upTo: len == 0 ? Int.max : len, peek: request.isPeek)
                Self.discard(control)
                if case .recvfrom = request { return (.datagram(source: nil, data: d), place) }
                return (len > 0 && d.count < len && !request.isPeek ? .more(d) : .data(d), place)
            }
            guard let p = request.isPeek ? packets.first : packets.popFirst() else { return nil }
            let (src, whole) = Stash.split(p.value)
            // A datagram read for fewer bytes than it holds gets the first ones, as from
            // the socket (the kernel drops the rest).
            let d = len > 0 ? Array(whole.prefix(len)) : whole
            if case .recvfrom = request { return (.datagram(source: src, data: d), p.place) }
            return (.data(d), p.place)
        case .recvmsg(let sizes, _, _):
            // At most what the caller's buffers hold (a size 0 takes whatever there is).
            let capacity = sizes.contains(0) ? Int.max : sizes.reduce(0, +)
            if stream {
                guard let place = bytes.first?.place else { return nil }
                let (d, control) = takeBytes(upTo: capacity, peek: request.isPeek)
                return (.message(ReceivedMessage(address: nil, iov: Stash.scatter(d, sizes), control: control, flags: 0)), place)
            }
            guard let p = request.isPeek ? packets.first : packets.popFirst() else { return nil }
            var m: ReceivedMessage
            if case .message(let kept) = p.value {
                m = kept
            } else {
                let (src, d) = Stash.split(p.value)
                m = ReceivedMessage(address: src, iov: [d], control: [], flags: 0)
            }
            let whole = m.data
            if whole.count > capacity { m.flags |= Int32(MSG_TRUNC) }
            m.iov = Stash.scatter(Array(whole.prefix(capacity)), sizes)
            return (.message(m), p.place)
        default:
            return nil
        }
    }

    /// Every kept stream byte, in order (for a stream handler that starts now, which has
    /// no use for ancillary data: passed descriptors are closed).
    mutating func takeAllBytes() -> [UInt8] {
        var out: [UInt8] = []
        while !bytes.isEmpty {
            let (d, control) = takeBytes(upTo: .max, peek: false)
            Self.discard(control)
            out += d
        }
        return out
    }

    /// Up to `limit` kept stream bytes from the front, and the ancillary data that came
    /// with the first of them. Stops before a piece that carries ancillary data of its own.
    private mutating func takeBytes(upTo limit: Int, peek: Bool) -> ([UInt8], [ControlMessage]) {
        var out: [UInt8] = []
        var control: [ControlMessage] = []
        var i = 0
        while out.count < limit, i < bytes.count {
            if i > 0 || !out.isEmpty, !bytes[i].value.control.isEmpty { break }
            let piece = bytes[i].value
            let n = min(limit - out.count, piece.data.count)
            out += piece.data.prefix(n)
            // A peek leaves the descriptors where they are: only the taker gets them.
            if i == 0 && !peek { control = piece.control }
            if !peek {
                bytes[i].value.control = []
                if n == piece.data.count {
                    bytes.removeFirst()
                    continue
                }
                bytes[i].value.data.removeFirst(n)
                bytes[i].place.offset += n
            }
            i += 1
        }
        return (out, control)
    }

    /// Closes the descriptors passed in `control` (SCM_RIGHTS) that nobody will receive.
    static func discard(_ control: [ControlMessage]) {
        for c in control where c.level == SOL_SOCKET && c.type == Int32(SCM_RIGHTS) {
            let n = c.data.count / MemoryLayout<Int32>.size
            c.data.withUnsafeBytes { b in
                for k in 0..<n { sysClose(b.loadUnaligned(fromByteOffset: k * 4, as: Int32.self)) }
            }
        }
    }

    /// Closes every descriptor still kept in passed ancillary data (the socket closes).
    mutating func discardAll() {
        for k in bytes { Self.discard(k.value.control) }
        for p in packets { if case .message(let m) = p.value { Self.discard(m.control) } }
        bytes.removeAll()
        packets.removeAll()
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

    /// Takes every kept accepted connection (for close: they must be closed, or for an
    /// accept loop that starts now).
    mutating func drainAccepted() -> [Socket] {
        defer { accepted.removeAll() }
        return accepted.map(\.value)
    }
}
