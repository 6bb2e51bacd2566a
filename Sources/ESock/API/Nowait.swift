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

extension Nowait where Value == Int {
    /// What of `data` this nowait send has not written: OTP's `RestData`. Nil when the send
    /// finished. On poll a partial write leaves the tail after the bytes written (all of
    /// `data` when nothing went out); send it by calling again after `select`, with this
    /// call's handle (OTP's `send(Socket, RestData, Cont, nowait)`). On uring the kernel
    /// sends everything (its completion reports it): nothing is left to the caller, so this
    /// is empty.
    public func rest(of data: [UInt8]) -> [UInt8]? {
        switch self {
        case .ok: return nil
        case .select(_, let written): return Array(data.dropFirst(written ?? 0))
        case .completion: return []
        }
    }
}
