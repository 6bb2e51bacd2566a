/// Why a socket call failed. Every failure of ESock is one of these; none crashes.
public enum SocketError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The socket is closed (by this process), or the peer closed a stream with no data left.
    case closed
    /// The call's ``Timeout`` ran out; the operation was cancelled.
    case timeout
    /// The calling task was cancelled; the operation was cancelled in the kernel too.
    case cancelled
    /// An argument or the socket's state did not allow the call.
    case invalid(Invalid)
    /// The operating system refused the call.
    case errno(Errno)
    /// A stream call that moved some data before failing: `reason` is why it stopped and
    /// `data` is what was received (recv) or what was not sent (send). OTP's `{Reason, Data}`.
    indirect case partial(SocketError, data: [UInt8])

    /// The reason, without any partial data.
    public var reason: SocketError {
        if case .partial(let r, _) = self { return r.reason }
        return self
    }

    /// The partial data carried by the error, empty if none.
    public var partialData: [UInt8] {
        if case .partial(_, let d) = self { return d }
        return []
    }

    /// What of `data` a failed send did not write: the rest it carries when it wrote part
    /// (`.partial(reason, data: rest)`), else all of `data` (a send that fails with a plain
    /// reason wrote nothing, as OTP's `{error, Reason}` against `{error, {Reason, RestData}}`).
    /// Sending that again never duplicates a byte.
    public func unsent(of data: [UInt8]) -> [UInt8] {
        if case .partial(_, let rest) = self { return rest }
        return data
    }

    /// `reason` with `data` attached, or just `reason` when `data` is empty.
    static func with(_ reason: SocketError, partial data: [UInt8]) -> SocketError {
        data.isEmpty ? reason : .partial(reason, data: data)
    }

    public var description: String {
        switch self {
        case .closed: return "closed"
        case .timeout: return "timeout"
        case .cancelled: return "cancelled"
        case .invalid(let what): return "invalid(\(what))"
        case .errno(let e): return "\(e)"
        case .partial(let r, let d): return "\(r) after \(d.count) bytes"
        }
    }
}

/// What was invalid about a call, mirroring OTP's `{invalid, What}`.
public enum Invalid: Sendable, Hashable, CustomStringConvertible {
    /// The socket's state does not allow the call (for example the caller already waits in
    /// that direction).
    case state
    /// The caller has no operation with that info (OTP's `{invalid, Info}` from cancel).
    case info(String)
    /// An argument was out of range or of the wrong kind; the text says which and why.
    case argument(String)
    /// An address that cannot be used with this socket.
    case address(String)
    /// The operation does not apply to this kind of socket (for example sendto on a
    /// connected stream).
    case operation(String)
    /// A socket option unknown, read-only, of the wrong value type or with an unmet
    /// requirement: OTP's `{socket_option, {Level, Name}}`.
    case socketOption(level: String, name: String)
    /// The backend cannot be used; the text says why.
    case backend(String)
    /// Only the socket's owner may do this (OTP's `not_owner`).
    case notOwner

    public var description: String {
        switch self {
        case .state: return "state"
        case .info(let s): return "info: \(s)"
        case .argument(let s): return "argument: \(s)"
        case .address(let s): return "address: \(s)"
        case .operation(let s): return "operation: \(s)"
        case .socketOption(let l, let n): return "socket_option {\(l), \(n)}"
        case .backend(let s): return "backend: \(s)"
        case .notOwner: return "not_owner"
        }
    }
}
