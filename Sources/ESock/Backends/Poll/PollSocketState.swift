/// What the poll backend keeps per socket, beside the shared ``SocketState``.
struct PollSocketState {
    /// Registered for output readiness (only while someone waits to write).
    var wantsOutput = false
    /// Closed, but the descriptor stays open until the outbox has been sent.
    var lingering = false
}
