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
final class EpollLoop: Sendable {
    let epfd: Int32
    private let sockets = Mutex<[UInt64: WeakSocket]>([:])

    private struct WeakSocket { weak var socket: Socket? }

    init(onReady: @escaping @Sendable (Socket, UInt32) -> Void) throws(SocketError) {
        let fd = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard fd >= 0 else { throw .errno(.current) }
        epfd = fd
        LoopThread.start(name: "esock-epoll") { [self] in run(onReady) }
    }

    func add(_ socket: Socket) throws(SocketError) {
        sockets.withLock { $0[socket.id] = WeakSocket(socket: socket) }
        var ev = epoll_event()
        ev.events = EPOLLIN.rawValue | EPOLLOUT.rawValue | EPOLLRDHUP.rawValue | EPOLLET.rawValue
        ev.data.u64 = socket.id
        if epoll_ctl(epfd, EPOLL_CTL_ADD, socket.fileDescriptor, &ev) != 0 {
            let e = Errno.current
            sockets.withLock { $0[socket.id] = nil }
            throw .errno(e)
        }
    }

    /// Re-arms the registration so a socket that is ready now reports an edge again.
    func rearm(_ socket: Socket) {
        var ev = epoll_event()
        ev.events = EPOLLIN.rawValue | EPOLLOUT.rawValue | EPOLLRDHUP.rawValue | EPOLLET.rawValue
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
        while true {
            let n = epoll_wait(epfd, events, Int32(capacity), -1)
            if n < 0 { continue }  // EINTR
            ready.removeAll(keepingCapacity: true)
            sockets.withLock { map in
                for i in 0..<Int(n) {
                    if let s = map[events[i].data.u64]?.socket { ready.append((s, events[i].events)) }
                }
            }
            for (s, ev) in ready { onReady(s, ev) }
        }
    }
}
