import Synchronization

/// Identifies one asynchronous operation: OTP's select/completion handle (a reference).
/// ESock generates one for each `nowait` call; a caller may pass its own instead.
public struct Handle: Sendable, Hashable, CustomStringConvertible {
    /// The handle's number; unique within the process for generated handles.
    public let rawValue: UInt64

    private static let counter = Atomic<UInt64>(1)

    /// A new handle, unique within this process.
    public init() {
        rawValue = Handle.counter.add(1, ordering: .relaxed).oldValue
    }

    /// A handle with a caller-chosen number (like passing a reference of your own in OTP).
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public var description: String { "#Ref<\(rawValue)>" }
}

/// The operation a ``SelectInfo`` or ``CompletionInfo`` belongs to (OTP's tag).
public enum OperationTag: String, Sendable, Hashable {
    case accept, connect, recv, recvfrom, recvmsg, send, sendto, sendmsg, sendfile
}

/// What a `nowait` call on the poll backend returns: `select_info` in OTP.
/// The caller's mailbox later gets ``SocketMessage/select(_:_:)`` with the same handle.
public struct SelectInfo: Sendable, Hashable {
    public let tag: OperationTag
    public let handle: Handle
}

/// What a `nowait` call on the uring backend returns: `completion_info` in OTP.
/// The caller's mailbox later gets ``SocketMessage/completion(_:_:_:)`` carrying the result.
public struct CompletionInfo: Sendable, Hashable {
    public let tag: OperationTag
    public let handle: Handle
}

/// Either kind of pending-operation info, as ``SocketAPI/cancel(_:_:caller:)`` takes it.
public enum PendingInfo: Sendable, Hashable {
    case select(SelectInfo)
    case completion(CompletionInfo)

    /// The handle of the pending operation.
    public var handle: Handle {
        switch self {
        case .select(let i): return i.handle
        case .completion(let i): return i.handle
        }
    }

    /// The operation of the pending operation.
    public var tag: OperationTag {
        switch self {
        case .select(let i): return i.tag
        case .completion(let i): return i.tag
        }
    }
}
