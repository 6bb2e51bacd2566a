import DequeModule
#if canImport(Glibc)
import Glibc
#endif

/// One caller's operation waiting in a direction of a socket.
final class Waiter: @unchecked Sendable {
    /// Where its messages go; also the caller's identity.
    let caller: Mailbox
    var handle: Handle
    var request: Request
    var phase: Phase
    /// uring: the deadline of a linked timeout for the kernel operation.
    var deadline: ContinuousClock.Instant?
    /// uring: the kernel operation while it is in flight.
    var inFlight: URingOperation?

    enum Phase {
        /// Behind the current operation of its direction.
        case queued
        /// Current: waiting for readiness (poll) or for the kernel (uring).
        case waiting
        /// poll: current and told `select`; the caller must call again.
        case selected
    }

    init(caller: Mailbox, handle: Handle, request: Request, phase: Phase, deadline: ContinuousClock.Instant?) {
        self.caller = caller
        self.handle = handle
        self.request = request
        self.phase = phase
        self.deadline = deadline
    }

    var tag: OperationTag { request.tag }
}

/// The queue of one direction: a current operation and the callers behind it.
struct OperationQueue {
    var current: Waiter?
    var queued = Deque<Waiter>()
    /// uring: a cancelled or aborted kernel operation still in flight. Nothing new starts in
    /// this direction until its final completion has been handled, so results stay in order.
    var draining: URingOperation?

    var isBusy: Bool { current != nil || !queued.isEmpty || draining != nil }
    var count: Int { (current == nil ? 0 : 1) + queued.count }

    func contains(_ caller: Mailbox) -> Bool {
        current?.caller === caller || queued.contains { $0.caller === caller }
    }

    /// Removes the waiter with `handle` owned by `caller` from the queue (not the current).
    mutating func removeQueued(handle: Handle, caller: Mailbox) -> Waiter? {
        guard let i = queued.firstIndex(where: { $0.handle == handle && $0.caller === caller }) else { return nil }
        return queued.remove(at: i)
    }
}

/// The counters OTP keeps per socket (`info(Socket)` → `counters`).
public struct SocketCounters: Sendable, Hashable {
    public var readByte = 0, readPkg = 0, readPkgMax = 0, readTries = 0, readWaits = 0, readFails = 0
    public var writeByte = 0, writePkg = 0, writePkgMax = 0, writeTries = 0, writeWaits = 0, writeFails = 0
    public var accSuccess = 0, accTries = 0, accWaits = 0, accFails = 0

    /// The counters as OTP names them (`read_byte`, `acc_success`, ...).
    public var named: [(String, Int)] {
        [("acc_fails", accFails), ("acc_success", accSuccess), ("acc_tries", accTries), ("acc_waits", accWaits),
         ("read_byte", readByte), ("read_fails", readFails), ("read_pkg", readPkg), ("read_pkg_max", readPkgMax),
         ("read_tries", readTries), ("read_waits", readWaits),
         ("write_byte", writeByte), ("write_fails", writeFails), ("write_pkg", writePkg),
         ("write_pkg_max", writePkgMax), ("write_tries", writeTries), ("write_waits", writeWaits)]
    }

    mutating func record(_ tag: OperationTag, _ status: CompletionStatus) {
        switch status {
        case .error:
            switch Direction(tag) {
            case .read: readFails += 1
            case .write: writeFails += 1
            case .accept: accFails += 1
            }
        case .accepted: accSuccess += 1
        case .data(let d), .more(let d), .datagram(_, let d): read(d.count)
        case .message(let m): read(m.iov.reduce(0) { $0 + $1.count })
        case .sent(let n): writeByte += n; writePkg += 1; writePkgMax = max(writePkgMax, n)
        case .ok: break
        }
    }

    mutating func read(_ n: Int) {
        readByte += n
        readPkg += 1
        readPkgMax = max(readPkgMax, n)
    }

    mutating func tried(_ d: Direction) {
        switch d {
        case .read: readTries += 1
        case .write: writeTries += 1
        case .accept: accTries += 1
        }
    }

    mutating func waited(_ d: Direction) {
        switch d {
        case .read: readWaits += 1
        case .write: writeWaits += 1
        case .accept: accWaits += 1
        }
    }
}

/// States OTP reports in `info(Socket)` (`rstates`, `wstates`).
public enum SocketStateFlag: String, Sendable, Hashable {
    case bound, listening, connecting, connected, selected, accepting, closed
    case readShutdown = "read_shutdown", writeShutdown = "write_shutdown"
}

/// Everything about a socket that changes, guarded by the socket's lock.
struct SocketState: @unchecked Sendable {
    var closed = false
    var queues = [OperationQueue(), OperationQueue(), OperationQueue()]
    var counters = SocketCounters()
    var readStates: Set<SocketStateFlag> = []
    var writeStates: Set<SocketStateFlag> = []
    /// uring: results the kernel delivered for operations cancelled too late. The next
    /// caller of that direction gets them first, so nothing received is lost.
    var stash = Stash()
    /// uring: kernel operations in flight; the descriptor is closed when this reaches 0
    /// after close.
    var inFlight = 0
    /// Option values ESock keeps itself (level `otp`).
    var otp = OTPOptionValues()
    /// The streaming fast path (``StreamHandler`` or accept loop), when started.
    var stream: StreamState?
    /// Bytes queued by ``SocketAPI/write(_:_:)``.
    var outbox = Outbox()
    /// Closed, but the descriptor stays open until the outbox has been sent.
    var lingering = false
    /// poll: registered for output readiness (only while someone waits to write).
    var wantsOutput = false

    subscript(d: Direction) -> OperationQueue {
        get { queues[d.rawValue] }
        set { queues[d.rawValue] = newValue }
    }
}

/// Results kept for the next caller after a late cancel (uring).
struct Stash {
    /// Stream bytes, in order.
    var bytes: [UInt8] = []
    /// Whole datagrams or messages, in order.
    var packets = Deque<CompletionStatus>()
    /// Accepted connections, in order.
    var accepted = Deque<Socket>()

    var isEmpty: Bool { bytes.isEmpty && packets.isEmpty && accepted.isEmpty }

    /// Keeps `status`, the result of a cancelled `tag` operation, if it holds data.
    mutating func keep(_ status: CompletionStatus, stream: Bool) {
        switch status {
        case .accepted(let s): accepted.append(s)
        case .data(let d), .more(let d):
            if stream { bytes += d } else if !d.isEmpty { packets.append(status) }
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
                bytes.removeFirst(n)
                if case .recvfrom = request { return .datagram(source: nil, data: d) }
                return len > 0 && n < len ? .more(d) : .data(d)
            }
            guard let p = packets.popFirst() else { return nil }
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
