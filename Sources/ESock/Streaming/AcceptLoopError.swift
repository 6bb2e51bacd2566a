#if canImport(Glibc)
import Glibc
#endif

/// What an accept loop does after an error from accept.
enum AcceptLoopError {
    /// The error concerns one connection (it was aborted before it was taken, a firewall
    /// refused it, ...): count it and accept the next.
    case skip
    /// Descriptors or memory ran out: accepting again at once would fail again (and spin).
    /// Pause, then try again; the connections wait in the backlog meanwhile.
    case pause
    /// The listener cannot accept any more (shut down, not listening, ...): end the loop.
    case end

    /// How long an accept loop pauses when descriptors or memory run out.
    static let pauseDuration: Duration = .milliseconds(100)

    init(_ e: Errno) {
        switch e.rawValue {
        case ECONNABORTED, EINTR, EAGAIN, EPROTO, EPERM, ENETDOWN, ENOPROTOOPT, EHOSTDOWN, ENONET,
             EHOSTUNREACH, ENETUNREACH, ETIMEDOUT:
            self = .skip
        case EMFILE, ENFILE, ENOBUFS, ENOMEM:
            self = .pause
        default:
            self = .end
        }
    }
}
