/// Everything about a socket that changes, guarded by the socket's lock.
struct SocketState: @unchecked Sendable {
    var closed = false
    /// The descriptor itself has been closed (after `closed`, once nothing uses it).
    var descriptorClosed = false
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
    /// uring: the stream waits for a cancelled receive's last completion (its bytes go to
    /// the handler first); its multishot receive is counted in `inFlight` already.
    var streamStartsAfterDrain = false
    /// Bytes queued by ``SocketAPI/write(_:_:)``.
    var outbox = Outbox()
    /// Closed, but the descriptor stays open until the outbox has been sent.
    var lingering = false
    /// poll: registered for output readiness (only while someone waits to write).
    var wantsOutput = false

    subscript(d: Direction) -> OperationQueue {
        get { queues[d.rawValue] }
        // In place: a copy would hold a second reference to every waiter while a method
        // runs (so no spare waiter could be reused) and cost retains per access.
        _modify { yield &queues[d.rawValue] }
    }
}
