import DequeModule

/// The queue of one direction: a current operation and the callers behind it.
struct OperationQueue {
    var current: Waiter?
    var queued = Deque<Waiter>()
    /// A cancelled or aborted operation the backend is still finishing (uring: a kernel
    /// operation in flight). Nothing new starts in this direction until it has, so results
    /// stay in order; the backend knows its type.
    var draining: AnyObject?
    /// The waiter of the last operation that ended, reused by the next one once nothing else
    /// refers to it: a steady stream of calls then allocates no waiters.
    private var spare: Waiter?
    /// The private mailbox of the last awaiting call that ended cleanly (empty, with nothing
    /// pending), for the next awaiting call in this direction.
    var spareMailbox: Mailbox?

    var isBusy: Bool { current != nil || !queued.isEmpty || draining != nil }
    var count: Int { (current == nil ? 0 : 1) + queued.count }

    /// A waiter for a new operation: the spare one when nothing else still refers to it.
    mutating func makeWaiter(caller: Mailbox, handle: Handle, request: Request, phase: Waiter.Phase,
                             deadline: ContinuousClock.Instant?) -> Waiter {
        if var w = spare {
            spare = nil
            if isKnownUniquelyReferenced(&w) {
                w.reset(caller: caller, handle: handle, request: request, phase: phase, deadline: deadline)
                return w
            }
        }
        return Waiter(caller: caller, handle: handle, request: request, phase: phase, deadline: deadline)
    }

    /// Keeps `w`, whose operation has ended and whose message has gone out, as the spare.
    /// It lets go of its caller and data: a mailbox holding a message about this socket would
    /// otherwise keep the socket alive through it.
    mutating func retire(_ w: Waiter) {
        guard !w.isWrite else { return }
        w.clear()
        spare = w
    }

    func contains(_ caller: Mailbox) -> Bool {
        current?.caller === caller || queued.contains { $0.caller === caller }
    }

    /// Removes the waiter with `handle` owned by `caller` from the queue (not the current).
    mutating func removeQueued(handle: Handle, caller: Mailbox) -> Waiter? {
        guard let i = queued.firstIndex(where: { $0.handle == handle && $0.caller === caller }) else { return nil }
        return queued.remove(at: i)
    }
}
