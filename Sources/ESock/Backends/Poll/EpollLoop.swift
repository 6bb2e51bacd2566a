import CESockLinux
#if canImport(Glibc)
import Glibc
#endif

/// The poll backend's event loop: one thread that owns an epoll set and tells the engine
/// when a socket becomes readable or writable.
///
/// Sockets are registered once, edge-triggered, for input and output. The engine decides
/// under the socket's lock whether an edge wakes a caller, and a caller that finds nothing
/// to do registers as waiting under the same lock, so no edge falls between the two.
final class EpollLoop: @unchecked Sendable {
    let epfd: Int32
    /// Registered sockets. The table does not keep a socket alive (a socket dropped without
    /// close gives its descriptor back), except while it streams or runs an accept loop:
    /// then nothing else may hold it, as with io_uring's operations in flight.
    private let sockets = Lock<[UInt64: Entry]>([:])
    /// Work for the loop thread: task jobs (the loop is a `TaskExecutor`) and calls, and the
    /// eventfd that wakes the loop for them (epoll data 0; socket ids start at 1).
    private let work = Lock<[Work]>([])
    private let wakeFD: Int32
    /// The loop's timer (epoll data `timerID`), armed for the earliest of `timers`.
    private let timerFD: Int32
    private static let timerID = UInt64.max
    /// Calls due at a time (only the loop thread touches it).
    private var timers: [(due: ContinuousClock.Instant, body: @Sendable () -> Void)] = []
    private var thread = pthread_t()

    private struct Entry {
        weak var socket: Socket?
        var pinned: Socket?
    }

    private enum Work {
        case job(UnownedJob)
        case call(@Sendable () -> Void)
    }

    init(name: String, onReady: @escaping @Sendable (Socket, UInt32) -> Void) throws(SocketError) {
        do throws(Errno) {
            epfd = try sysEpollCreate()
            wakeFD = try sysEventfd(nonblocking: true)
            timerFD = try sysTimerfd()
            var ev = epoll_event()
            ev.events = EPOLLIN.rawValue
            ev.data.u64 = 0
            try sysEpollCtl(epfd, EPOLL_CTL_ADD, wakeFD, &ev)
            ev.data.u64 = Self.timerID
            try sysEpollCtl(epfd, EPOLL_CTL_ADD, timerFD, &ev)
        } catch {
            throw .errno(error)
        }
        let started = Lock(false)
        LoopThread.start(name: name) { [self] in
            thread = pthread_self()
            started.withLock { $0 = true }
            run(onReady)
        }
        while !started.withLock({ $0 }) { sched_yield() }
    }

    /// The events a socket is registered for. Output interest is added only while someone
    /// waits to write (a send or connect waiter, or queued streaming writes): always on, it
    /// would wake the loop for every ACK that frees send-buffer space.
    private static func interest(output: Bool) -> UInt32 {
        EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLET.rawValue | (output ? EPOLLOUT.rawValue : 0)
    }

    func add(_ socket: Socket) throws(SocketError) {
        sockets.withLock { $0[socket.id] = Entry(socket: socket) }
        var ev = epoll_event()
        ev.events = Self.interest(output: false)
        ev.data.u64 = socket.id
        do throws(Errno) {
            try sysEpollCtl(epfd, EPOLL_CTL_ADD, socket.fileDescriptor, &ev)
        } catch {
            sockets.withLock { $0[socket.id] = nil }
            throw .errno(error)
        }
    }

    /// Keeps `socket` alive while it streams (or not).
    func pin(_ socket: Socket, _ on: Bool) {
        // The old reference leaves the table outside its lock: it may be the last one, and a
        // socket's deinit takes this lock.
        let old = sockets.withLock { map -> Socket? in
            let previous = map[socket.id]?.pinned
            map[socket.id]?.pinned = on ? socket : nil
            return previous
        }
        _ = old
    }

    /// Re-registers `socket` with or without output interest. The kernel re-evaluates its
    /// readiness, so a socket ready now reports an edge again: nothing that became ready
    /// before the call is missed. Called with the socket's lock held.
    func rearm(_ socket: Socket, output: Bool) {
        var ev = epoll_event()
        ev.events = Self.interest(output: output)
        ev.data.u64 = socket.id
        // Fails only for a descriptor the kernel no longer has: then there is nothing to watch.
        try? sysEpollCtl(epfd, EPOLL_CTL_MOD, socket.fileDescriptor, &ev)
    }

    /// Stops watching; called before the descriptor is closed (also from a socket's deinit,
    /// so it takes the id and descriptor, not the socket).
    func remove(id: UInt64, fd: Int32) {
        var ev = epoll_event()
        try? sysEpollCtl(epfd, EPOLL_CTL_DEL, fd, &ev)
        // The entry leaves the table outside its lock: its pinned reference may be the last.
        let entry = sockets.withLock { $0.removeValue(forKey: id) }
        _ = entry
    }

    /// Runs `body` on the loop thread after the current round of events.
    func execute(_ body: @escaping @Sendable () -> Void) {
        enqueue(.call(body))
    }

    /// Runs `body` on the loop thread after `delay`, on the loop's own timer: no runtime
    /// timer, so it works when the process is out of descriptors. Call on the loop thread.
    func after(_ delay: Duration, _ body: @escaping @Sendable () -> Void) {
        let due = ContinuousClock.now.advanced(by: delay)
        timers.append((due, body))
        // Re-arm only when this one is now the earliest.
        if timers.allSatisfy({ $0.due >= due }) { sysTimerfdArm(timerFD, after: delay) }
    }

    /// Runs the timers that are due and arms the timer for the next one.
    private func runTimers() {
        var drained: UInt64 = 0
        _ = read(timerFD, &drained, 8)
        let now = ContinuousClock.now
        let due = timers.filter { $0.due <= now }
        timers.removeAll { $0.due <= now }
        if let next = timers.map(\.due).min() { sysTimerfdArm(timerFD, after: now.duration(to: next)) }
        for t in due { t.body() }
    }

    private func enqueue(_ item: Work) {
        let first = work.withLock { w -> Bool in
            w.append(item)
            return w.count == 1
        }
        // The loop drains all work before it sleeps; only work from another thread that
        // finds the queue empty must wake it.
        if first && pthread_equal(pthread_self(), thread) == 0 { sysEventfdSignal(wakeFD) }
    }

    private func run(_ onReady: @Sendable (Socket, UInt32) -> Void) {
        let capacity = 256
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: capacity)
        defer { events.deallocate() }
        var ready: [(Socket, UInt32)] = []
        ready.reserveCapacity(capacity)
        var pending: [Work] = []
        while true {
            let n = sysEpollWait(epfd, events, Int32(capacity))
            var woken = false
            var timer = false
            sockets.withLock { map in
                for i in 0..<n {
                    let id = events[i].data.u64
                    if id == 0 { woken = true; continue }
                    if id == Self.timerID { timer = true; continue }
                    if let s = map[id]?.socket { ready.append((s, events[i].events)) }
                }
            }
            for (s, ev) in ready { onReady(s, ev) }
            // Released here, outside the table's lock: a dropped socket's deinit takes it.
            ready.removeAll(keepingCapacity: true)
            if woken { sysEventfdDrain(wakeFD) }
            if timer { runTimers() }
            // Run the work, including what the handlers and jobs themselves queue.
            while true {
                work.withLock { swap(&pending, &$0) }
                if pending.isEmpty { break }
                for item in pending {
                    switch item {
                    case .job(let job): job.runSynchronously(on: asUnownedTaskExecutor())
                    case .call(let body): body()
                    }
                }
                pending.removeAll(keepingCapacity: true)
            }
        }
    }
}

/// Tasks that prefer this executor run on the loop thread, resumed by their sockets' messages
/// without a hop to another thread.
extension EpollLoop: TaskExecutor {
    func enqueue(_ job: consuming ExecutorJob) {
        enqueue(.job(UnownedJob(job)))
    }
}
