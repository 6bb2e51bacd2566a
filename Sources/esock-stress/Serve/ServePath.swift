import ArgumentParser

/// Which ESock API the server's data path uses, so each can be measured against the others.
enum ServePath: String, CaseIterable, ExpressibleByArgument, Sendable {
    /// The streaming fast path: multishot accept and receive, lent buffers, an outbox per
    /// socket; everything on the loop thread.
    case stream
    /// Awaiting calls (`recv` then `send`), one task per connection on the loop executor.
    case async
    /// The Erlang-shaped calls: `nowait` plus a mailbox per connection (select on poll,
    /// completion on uring), one task per connection on the loop executor.
    case nowait
}
