/// One caller's operation waiting in a direction of a socket.
final class Waiter: @unchecked Sendable {
    /// Where its messages go; also the caller's identity.
    private(set) var caller: Mailbox
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

    /// Makes this (finished, unreferenced) waiter stand for a new operation.
    func reset(caller: Mailbox, handle: Handle, request: Request, phase: Phase, deadline: ContinuousClock.Instant?) {
        self.caller = caller
        self.handle = handle
        self.request = request
        self.phase = phase
        self.deadline = deadline
        inFlight = nil
    }

    /// Lets go of the caller and the request's data (see ``OperationQueue/retire(_:)``).
    func clear() {
        caller = Waiter.retired
        request = .accept
        inFlight = nil
    }

    var tag: OperationTag { request.tag }

    /// Bytes of ``SocketAPI/write(_:_:)-(_,UnsafeRawBufferPointer)`` that came while send calls
    /// were queued: they wait their turn in the queue, then join the outbox. No caller waits
    /// for them and no message is sent about them.
    static func write(_ bytes: UnsafeRawBufferPointer) -> Waiter {
        Waiter(caller: writes, handle: Handle(rawValue: 0), request: .send(data: Array(bytes), flags: 0),
               phase: .queued, deadline: nil)
    }

    /// Whether this stands for written bytes rather than a caller's operation.
    var isWrite: Bool { caller === Waiter.writes }

    /// The caller identity of written bytes (never posted to).
    private static let writes = Mailbox(awaitingCall: ())
    /// The caller of a retired waiter (never posted to).
    private static let retired = Mailbox(awaitingCall: ())
}
