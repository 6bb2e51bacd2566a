/// Where the system-call layer's fault seam (``FaultInjection``, debug builds) can inject a
/// fault. Release builds pass these values along and ignore them.
package enum FaultSite: Hashable, Sendable {
    case accept, connect, recv, recvmsg, send, sendmsg, close
    /// `ioctl(2)` on a socket (``SocketAPI/ioctl(_:_:)`` requests).
    case ioctl
    /// `io_uring_submit` and `io_uring_submit_and_wait` (loop-wide: arm it with no
    /// descriptor). `.overflow` makes it fail as with a full completion queue.
    case submit
    /// An io_uring operation on the descriptor: instead of being submitted, it completes
    /// at once with the fault's result (so nothing the kernel would hand over is lost).
    case completion(CompletionKind)
    /// The epoll loop's wait: an injected fault makes it return no events, as on EINTR
    /// (loop-wide: arm it with no descriptor).
    case wait

    /// Which io_uring operation a ``FaultSite/completion(_:)`` fault completes.
    package enum CompletionKind: Hashable, Sendable {
        /// A one-shot operation of the Erlang-shaped or awaiting calls.
        case operation
        /// The streaming multishot receive.
        case streamRecv
        /// The accept loop's multishot accept.
        case streamAccept
        /// A streaming send from the outbox.
        case streamSend
    }
}
