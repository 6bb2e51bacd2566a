/// Everything about a socket that changes, guarded by the socket's lock.
struct SocketState: ~Copyable, @unchecked Sendable {
    /// Closed; the global counters stop counting the socket the moment this becomes true,
    /// whichever path closes it (close, a failed registration, a drop without close).
    var closed = false {
        didSet {
            if closed, let kind = counted {
                counted = nil
                GlobalSocketCounters.closed(kind)
            }
        }
    }
    /// The kind the global counters count this socket as, while it is open.
    var counted: SocketKind?
    /// The descriptor itself has been closed (after `closed`, once nothing uses it).
    var descriptorClosed = false
    var queues = [OperationQueue(), OperationQueue(), OperationQueue()]
    var counters = SocketCounters()
    var readStates: Set<SocketStateFlag> = []
    var writeStates: Set<SocketStateFlag> = []
    /// The caller that owns the socket (OTP's controlling process); held weakly, so a caller
    /// that no longer exists owns nothing.
    weak var owner: Mailbox?
    /// Option values ESock keeps itself (level `otp`).
    var otp = OTPOptionValues()
    /// The streaming fast path (``StreamHandler`` or accept loop), when started.
    var stream: StreamState?
    /// Bytes queued by ``SocketAPI/write(_:_:)``.
    var outbox = Outbox()
    /// The uring backend's own state (Backends/URing).
    var uring = URingSocketState()
    /// The poll backend's own state (Backends/Poll).
    var poll = PollSocketState()

    subscript(d: Direction) -> OperationQueue {
        get { queues[d.rawValue] }
        // In place: a copy would hold a second reference to every waiter while a method
        // runs (so no spare waiter could be reused) and cost retains per access.
        _modify { yield &queues[d.rawValue] }
    }
}
