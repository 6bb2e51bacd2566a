/// What the uring backend keeps per socket, beside the shared ``SocketState``.
struct URingSocketState {
    /// Results the kernel delivered for operations cancelled too late. The next caller of
    /// that direction gets them first, so nothing received is lost.
    var stash = Stash()
    /// Kernel operations in flight; the descriptor is closed when this reaches 0 after close.
    var inFlight = 0
    /// The stream waits for a cancelled receive's last completion (its bytes go to the
    /// handler first); its multishot receive is counted in `inFlight` already.
    var streamStartsAfterDrain = false
}
