import DequeModule

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
