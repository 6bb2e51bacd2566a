/// What a `nowait` call returns: the result at once, or a promise of a message.
///
/// On the poll backend a pending call gives `.select`; the mailbox later gets
/// ``SocketMessage/select(_:_:)`` and the caller calls again. On the uring backend it gives
/// `.completion`; the mailbox later gets ``SocketMessage/completion(_:_:_:)`` with the result.
/// A stream recv that got part of what it asked for carries that part in `partial`
/// (OTP's `{select, {SelectInfo, Data}}`); a send that wrote part of its data carries the
/// number of bytes written.
public enum Nowait<Value: Sendable>: Sendable {
    case ok(Value)
    case select(SelectInfo, partial: Value? = nil)
    case completion(CompletionInfo, partial: Value? = nil)

    /// The info to pass to `cancel`, nil when the call finished.
    public var pending: PendingInfo? {
        switch self {
        case .ok: return nil
        case .select(let i, _): return .select(i)
        case .completion(let i, _): return .completion(i)
        }
    }

    /// The handle of the pending operation, nil when the call finished.
    public var handle: Handle? { pending?.handle }
}
