import DequeModule
import Synchronization

/// The stand-in for an Erlang process's mailbox: where `select`, `completion` and `abort`
/// messages for a caller's `nowait` operations arrive.
///
/// Any number of sockets (threads) post into it; its owner receives, in arrival order,
/// optionally waiting with a ``Timeout`` and optionally selectively (the first message that
/// matches a predicate, leaving the others in order, like Erlang's `receive`). It is also an
/// `AsyncSequence` of messages for `for await`.
///
/// A mailbox is also the caller's identity: "the same caller" in ESock's queue rules means
/// "the same mailbox".
public final class Mailbox: Sendable, CustomStringConvertible {
    /// A receiver waiting for a message.
    private struct Waiter {
        let id: UInt64
        /// Takes any message: a new one is handed to it directly.
        let takesAny: Bool
        // Unsafe: resumed exactly once, by whoever removes it from `waiters` under the lock
        // (a checked continuation would cost an allocation per wait).
        let continuation: UnsafeContinuation<Wake, Never>
    }

    /// Why a waiting receiver resumes.
    private enum Wake {
        /// This message is its.
        case message(SocketMessage)
        /// Messages arrived: look again (its predicate runs in its own context).
        case recheck
        /// Timed out or cancelled.
        case expired
    }

    private struct State {
        /// Messages in arrival order, each with its arrival number.
        var messages = Deque<(seq: UInt64, message: SocketMessage)>()
        var nextSeq: UInt64 = 0
        var waiters: [Waiter] = []
        var nextWaiter: UInt64 = 0
    }

    private let state = Lock(State())
    /// The sockets this caller owns and those it may have operations on
    /// (Mailbox+Lifetime.swift).
    let links = Lock(MailboxLinks())

    /// The process-unique number of this mailbox, as a pid names a process.
    public let id: UInt64
    /// An awaiting call's own mailbox: it owns nothing and nobody ends it, so nothing is
    /// tracked for it.
    let isPrivate: Bool

    private static let ids = Atomic<UInt64>(1)

    /// An empty mailbox: a new caller.
    public init() {
        id = Mailbox.ids.add(1, ordering: .relaxed).oldValue
        isPrivate = false
    }

    /// The private mailbox of an awaiting call.
    init(awaitingCall: Void) {
        id = Mailbox.ids.add(1, ordering: .relaxed).oldValue
        isPrivate = true
    }

    deinit { ownerGone() }

    public var description: String { "#Mailbox<\(id)>" }

    /// Drops every waiting message: the caller ended.
    func discardMessages() {
        state.withLock { $0.messages.removeAll() }
    }

    /// How many messages are waiting.
    public var count: Int { state.withLock { $0.messages.count } }

    /// Delivers a message: to the oldest receiver that takes any message, else to the queue,
    /// waking the selective receivers to look. Receivers' predicates never run here: post is
    /// called with the socket's lock held, and a predicate that touches the socket would
    /// deadlock.
    func post(_ message: SocketMessage) {
        // The common case, one receiver that takes anything, resumes without building a list.
        let (direct, recheck): (UnsafeContinuation<Wake, Never>?, [Waiter]) = state.withLock { s in
            if let i = s.waiters.firstIndex(where: { $0.takesAny }) {
                return (s.waiters.remove(at: i).continuation, [])
            }
            s.messages.append((s.nextSeq, message))
            s.nextSeq += 1
            if s.waiters.isEmpty { return (nil, []) }
            defer { s.waiters.removeAll(keepingCapacity: true) }
            return (nil, s.waiters)
        }
        direct?.resume(returning: .message(message))
        for w in recheck { w.continuation.resume(returning: .recheck) }
    }

    /// Removes and returns the queued message about `handle` on `socket`, if one is there.
    /// Used by cancel, so that no message of a cancelled operation is left behind.
    func purge(socket: Socket, handle: Handle) -> SocketMessage? {
        state.withLock { s in
            guard let i = s.messages.firstIndex(where: { $0.message.handle == handle && $0.message.socket === socket }) else {
                return nil
            }
            return s.messages.remove(at: i).message
        }
    }

    /// Removes the queued abort of operation `handle` on `socket`, if one is there.
    func purgeAbort(socket: Socket, handle: Handle) {
        state.withLock { s in
            s.messages.removeAll { m in
                if case .abort(let so, let h, _) = m.message { return so === socket && h == handle }
                return false
            }
        }
    }

    /// Whether a message about `handle` on `socket` is waiting.
    func contains(socket: Socket, handle: Handle) -> Bool {
        state.withLock { s in s.messages.contains { $0.message.handle == handle && $0.message.socket === socket } }
    }

    /// The first waiting message matching `predicate` (any message when nil), without waiting.
    /// The predicate runs outside every lock, so it may use the socket API.
    public func tryReceive(where predicate: ((SocketMessage) -> Bool)? = nil) -> SocketMessage? {
        take(where: predicate).message
    }

    /// The first matching message, and the arrival number up to which messages were looked at.
    private func take(where predicate: ((SocketMessage) -> Bool)?) -> (message: SocketMessage?, seen: UInt64) {
        while true {
            guard let predicate else {
                return state.withLock { s in (s.messages.popFirst()?.message, s.nextSeq) }
            }
            // A copy of its own: a Deque copy would share the queue's buffer, handed back to the
            // next post only through its reference count, which ThreadSanitizer cannot see.
            let (snapshot, seen) = state.withLock { s in (Array(s.messages), s.nextSeq) }
            guard let hit = snapshot.first(where: { predicate($0.message) }) else { return (nil, seen) }
            // Another receiver may have taken it meanwhile: then look again.
            let taken: SocketMessage? = state.withLock { s in
                guard let i = s.messages.firstIndex(where: { $0.seq == hit.seq }) else { return nil }
                return s.messages.remove(at: i).message
            }
            if let taken { return (taken, seen) }
        }
    }

    /// Waits for the first message matching `predicate` (any message when nil), as Erlang's
    /// `receive ... after Timeout`. Returns nil when the timeout passes or the task is
    /// cancelled. `.nowait` and zero look once without waiting. The predicate runs in the
    /// receiver's own context, outside every lock, so it may use the socket API.
    public func receive(timeout: Timeout = .infinity,
                        where predicate: (@Sendable (SocketMessage) -> Bool)? = nil) async -> SocketMessage? {
        var (found, seen) = take(where: predicate)
        if let found { return found }
        let deadline = timeout.deadline()
        if let deadline, deadline <= .now { return nil }
        let (id, timer) = newWaiter(expiringAt: deadline)
        defer { timer?.cancel() }
        return await withTaskCancellationHandler {
            while true {
                let seenSoFar = seen
                let wake = await withUnsafeContinuation { (c: UnsafeContinuation<Wake, Never>) in
                    let now: Wake? = state.withLock { s in
                        // Checked under the lock, so a message, a timer or a cancel that came
                        // before the waiter is queued cannot be missed.
                        if s.nextSeq != seenSoFar { return .recheck }
                        if Task.isCancelled { return .expired }
                        if let deadline, deadline <= .now { return .expired }
                        s.waiters.append(Waiter(id: id, takesAny: predicate == nil, continuation: c))
                        return nil
                    }
                    if let now { c.resume(returning: now) }
                }
                switch wake {
                case .message(let m): return m
                case .expired: return nil
                case .recheck:
                    (found, seen) = take(where: predicate)
                    if let found { return found }
                    if Task.isCancelled { return nil }
                    if let deadline, deadline <= .now { return nil }
                }
            }
        } onCancel: {
            self.expire(id)
        }
    }

    /// The next message, oldest first, for the one receiver of an awaiting call's private
    /// mailbox: nil when `deadline` passes or the task is cancelled. Leaner than
    /// ``receive(timeout:where:)`` (no predicate, one continuation): the task's frame while it
    /// waits is what an idle connection costs.
    func next(until deadline: ContinuousClock.Instant?) async -> SocketMessage? {
        if let m = state.withLock({ $0.messages.popFirst()?.message }) { return m }
        if let deadline, deadline <= .now { return nil }
        let (id, timer) = newWaiter(expiringAt: deadline)
        defer { timer?.cancel() }
        while true {
            let wake = await withTaskCancellationHandler {
                await withUnsafeContinuation { (c: UnsafeContinuation<Wake, Never>) in
                    let now: Wake? = state.withLock { s in
                        if let m = s.messages.popFirst() { return .message(m.message) }
                        if Task.isCancelled { return .expired }
                        if let deadline, deadline <= .now { return .expired }
                        s.waiters.append(Waiter(id: id, takesAny: true, continuation: c))
                        return nil
                    }
                    if let now { c.resume(returning: now) }
                }
            } onCancel: {
                self.expire(id)
            }
            switch wake {
            case .message(let m): return m
            case .expired: return nil
            case .recheck: continue
            }
        }
    }

    /// A new waiter's id, and the timer that expires it at `deadline` (none without one).
    private func newWaiter(expiringAt deadline: ContinuousClock.Instant?) -> (UInt64, Task<Void, Never>?) {
        let id = state.withLock { s -> UInt64 in s.nextWaiter += 1; return s.nextWaiter }
        let timer: Task<Void, Never>? = deadline.map { d in
            Task { [weak self] in
                try? await Task.sleep(until: d, clock: .continuous)
                self?.expire(id)
            }
        }
        return (id, timer)
    }

    /// Resumes the waiter `id` as expired if it still waits.
    private func expire(_ id: UInt64) {
        let c = state.withLock { s -> UnsafeContinuation<Wake, Never>? in
            guard let i = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return s.waiters.remove(at: i).continuation
        }
        c?.resume(returning: .expired)
    }
}

extension Mailbox: AsyncSequence {
    public typealias Element = SocketMessage

    /// Iterates over messages as they arrive; ends when the iterating task is cancelled.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let mailbox: Mailbox
        public mutating func next() async -> SocketMessage? {
            await mailbox.receive(timeout: .infinity)
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(mailbox: self) }
}
