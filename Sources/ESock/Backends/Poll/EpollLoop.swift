import CESockLinux
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The poll backend's event loop: one thread that owns an epoll set and tells the engine
/// when a socket becomes readable or writable.
///
/// Sockets are registered once, edge-triggered, for input and output. The engine decides
/// under the socket's lock whether an edge wakes a caller, and a caller that finds nothing
/// to do registers as waiting under the same lock, so no edge falls between the two.
final class EpollLoop: @unchecked Sendable {
    let epfd: Int32
    /// Registered sockets, held until they are removed at close. (Weak references would put
    /// every socket's reference counting on the slow path.)
    private let sockets = Lock<[UInt64: Socket]>([:])
    /// Task jobs for the loop thread (the loop is a `TaskExecutor`), and the eventfd that
    /// wakes the loop for them (epoll data 0; socket ids start at 1).
    private let jobs = Lock<[UnownedJob]>([])
    private let wakeFD: Int32
    private var thread = pthread_t()


    init(onReady: @escaping @Sendable (Socket, UInt32) -> Void) throws(SocketError) {
        let fd = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard fd >= 0 else { throw .errno(.current) }
        epfd = fd
        wakeFD = eventfd(0, Int32(EFD_CLOEXEC | EFD_NONBLOCK))
        guard wakeFD >= 0 else { throw .errno(.current) }
        var ev = epoll_event()
        ev.events = EPOLLIN.rawValue
        ev.data.u64 = 0
        _ = epoll_ctl(epfd, EPOLL_CTL_ADD, wakeFD, &ev)
        let started = Lock(false)
        LoopThread.start(name: "esock-epoll") { [self] in
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
        sockets.withLock { $0[socket.id] = socket }
        var ev = epoll_event()
        ev.events = Self.interest(output: false)
        ev.data.u64 = socket.id
        if epoll_ctl(epfd, EPOLL_CTL_ADD, socket.fileDescriptor, &ev) != 0 {
            let e = Errno.current
            sockets.withLock { $0[socket.id] = nil }
            throw .errno(e)
        }
    }

    /// Re-registers `socket` with or without output interest. The kernel re-evaluates its
    /// readiness, so a socket ready now reports an edge again: nothing that became ready
    /// before the call is missed. Called with the socket's lock held.
    func rearm(_ socket: Socket, output: Bool) {
        var ev = epoll_event()
        ev.events = Self.interest(output: output)
        ev.data.u64 = socket.id
        _ = epoll_ctl(epfd, EPOLL_CTL_MOD, socket.fileDescriptor, &ev)
    }

    /// Stops watching; called before the descriptor is closed.
    func remove(_ socket: Socket) {
        var ev = epoll_event()
        _ = epoll_ctl(epfd, EPOLL_CTL_DEL, socket.fileDescriptor, &ev)
        sockets.withLock { $0[socket.id] = nil }
    }

    private func run(_ onReady: @Sendable (Socket, UInt32) -> Void) {
        let capacity = 256
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: capacity)
        defer { events.deallocate() }
        var ready: [(Socket, UInt32)] = []
        ready.reserveCapacity(capacity)
        var pending: [UnownedJob] = []
        while true {
            let n = epoll_wait(epfd, events, Int32(capacity), -1)
            if n < 0 { continue }  // EINTR
            ready.removeAll(keepingCapacity: true)
            var woken = false
            sockets.withLock { map in
                for i in 0..<Int(n) {
                    let id = events[i].data.u64
                    if id == 0 { woken = true; continue }
                    if let s = map[id] { ready.append((s, events[i].events)) }
                }
            }
            for (s, ev) in ready { onReady(s, ev) }
            // Run the jobs, including those the handlers and jobs themselves queue.
            if woken {
                var drained: UInt64 = 0
                _ = read(wakeFD, &drained, 8)
            }
            while true {
                jobs.withLock { swap(&pending, &$0) }
                if pending.isEmpty { break }
                for job in pending { job.runSynchronously(on: asUnownedTaskExecutor()) }
                pending.removeAll(keepingCapacity: true)
            }
        }
    }
}

/// Tasks that prefer this executor run on the loop thread, resumed by their sockets' messages
/// without a hop to another thread.
extension EpollLoop: TaskExecutor {
    func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        let first = jobs.withLock { j -> Bool in
            j.append(unowned)
            return j.count == 1
        }
        // The loop drains every job before it sleeps; only a job from another thread that
        // finds the queue empty must wake it.
        if first && pthread_equal(pthread_self(), thread) == 0 {
            var one: UInt64 = 1
            _ = write(wakeFD, &one, 8)
        }
    }
}
