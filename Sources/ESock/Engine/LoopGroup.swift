import Synchronization

/// The loops of one backend: one engine per loop thread, each with its own ring (uring) or
/// epoll set (poll). A socket belongs to one loop for its life; new and accepted sockets are
/// spread over the loops in turn.
final class LoopGroup: @unchecked Sendable {
    /// The backend (`.uring` or `.poll`).
    let kind: Backend
    /// Filled once in `init`, before any socket exists; never changed after.
    private(set) var engines: [any Engine] = []
    private let turn = Atomic<Int>(0)

    /// Starts `count` loops; `make` builds the engine of loop `index` for this group.
    init(kind: Backend, count: Int,
         make: (LoopGroup, Int) throws(SocketError) -> any Engine) throws(SocketError) {
        self.kind = kind
        engines.reserveCapacity(count)
        for i in 0..<count { engines.append(try make(self, i)) }
    }

    /// How many loops the group runs.
    var count: Int { engines.count }

    /// The loop for the next new socket: each in turn.
    func next() -> any Engine {
        engines.count == 1 ? engines[0] : engines[turn.add(1, ordering: .relaxed).oldValue % engines.count]
    }

    /// Loop `index` (taken modulo the number of loops).
    func engine(_ index: Int) -> any Engine {
        engines[((index % engines.count) + engines.count) % engines.count]
    }
}
