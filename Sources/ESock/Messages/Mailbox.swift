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
public final class Mailbox: Sendable {
    private struct Waiter {
        let id: UInt64
        let predicate: (@Sendable (SocketMessage) -> Bool)?
        let continuation: CheckedContinuation<SocketMessage?, Never>
    }

    private struct State {
        var messages = Deque<SocketMessage>()
        var waiters: [Waiter] = []
        var nextWaiter: UInt64 = 0
    }

    private let state = Lock(State())

    /// An empty mailbox.
    public init() {}

    /// How many messages are waiting.
    public var count: Int { state.withLock { $0.messages.count } }

    /// Delivers a message: to the oldest receiver waiting for one like it, else to the queue.
    func post(_ message: SocketMessage) {
        let taker: CheckedContinuation<SocketMessage?, Never>? = state.withLock { s in
            if let i = s.waiters.firstIndex(where: { $0.predicate?(message) ?? true }) {
                return s.waiters.remove(at: i).continuation
            }
            s.messages.append(message)
            return nil
        }
        taker?.resume(returning: message)
    }

    /// Removes and returns the queued message about `handle` on `socket`, if one is there.
    /// Used by cancel, so that no message of a cancelled operation is left behind.
    func purge(socket: Socket, handle: Handle) -> SocketMessage? {
        state.withLock { s in
            guard let i = s.messages.firstIndex(where: { $0.handle == handle && $0.socket === socket }) else {
                return nil
            }
            return s.messages.remove(at: i)
        }
    }

    /// Whether a message about `handle` on `socket` is waiting.
    func contains(socket: Socket, handle: Handle) -> Bool {
        state.withLock { s in s.messages.contains { $0.handle == handle && $0.socket === socket } }
    }

    /// The first waiting message matching `predicate` (any message when nil), without waiting.
    public func tryReceive(where predicate: ((SocketMessage) -> Bool)? = nil) -> SocketMessage? {
        state.withLock { s in
            guard let i = s.messages.firstIndex(where: { predicate?($0) ?? true }) else { return nil }
            return s.messages.remove(at: i)
        }
    }

    /// Waits for the first message matching `predicate` (any message when nil), as Erlang's
    /// `receive ... after Timeout`. Returns nil when the timeout passes or the task is
    /// cancelled. `.nowait` and zero look once without waiting.
    public func receive(timeout: Timeout = .infinity,
                        where predicate: (@Sendable (SocketMessage) -> Bool)? = nil) async -> SocketMessage? {
        if let m = tryReceive(where: predicate) { return m }
        let deadline = timeout.deadline()
        if let deadline, deadline <= .now { return nil }
        let id = state.withLock { s -> UInt64 in s.nextWaiter += 1; return s.nextWaiter }
        let timer: Task<Void, Never>? = deadline.map { d in
            Task { [weak self] in
                try? await Task.sleep(until: d, clock: .continuous)
                self?.expire(id)
            }
        }
        defer { timer?.cancel() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<SocketMessage?, Never>) in
                let resumeNow: SocketMessage?? = state.withLock { s in
                    if let i = s.messages.firstIndex(where: { predicate?($0) ?? true }) {
                        return .some(s.messages.remove(at: i))
                    }
                    // Checked under the lock, so a timer or cancel that fired before the
                    // waiter is queued cannot be missed.
                    if Task.isCancelled { return .some(nil) }
                    if let deadline, deadline <= .now { return .some(nil) }
                    s.waiters.append(Waiter(id: id, predicate: predicate, continuation: c))
                    return .none
                }
                if let r = resumeNow { c.resume(returning: r) }
            }
        } onCancel: {
            self.expire(id)
        }
    }

    /// Resumes the waiter `id` with nil if it still waits.
    private func expire(_ id: UInt64) {
        let c = state.withLock { s -> CheckedContinuation<SocketMessage?, Never>? in
            guard let i = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return s.waiters.remove(at: i).continuation
        }
        c?.resume(returning: nil)
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
