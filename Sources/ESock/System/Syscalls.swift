import CESockLinux
#if canImport(Glibc)
import Glibc
#endif

// The system-call layer: every system call ESock makes goes through here. Each wrapper
// retries EINTR, returns EAGAIN/EWOULDBLOCK (and a connect's EINPROGRESS) as the value
// `.wouldBlock` instead of throwing it, and throws every other errno. In debug builds each
// also consults the fault-injection seam (``FaultInjection``), so tests can make any call
// fail the way the kernel would. Nothing here knows about queues or backends.

/// The outcome of a call on a descriptor that may not block: done, or it would have to wait.
enum IOResult<Value> {
    case done(Value)
    case wouldBlock
}

extension IOResult: Sendable where Value: Sendable {}

/// A fault armed for this call, as an errno to fail with or a short-write limit.
@inline(__always)
private func injected(_ site: FaultSite, _ fd: Int32) -> InjectedFault? {
    #if DEBUG
    switch FaultInjection.take(site, fd: fd) {
    case .errno(let e)?: return .errno(e)
    case .short(let n)?: return .short(n)
    case .overflow?, nil: return nil
    }
    #else
    return nil
    #endif
}

enum InjectedFault {
    case errno(Errno)
    case short(Int)
}

/// Runs `call` until it does not fail with EINTR; EAGAIN becomes `.wouldBlock`. An injected
/// EINTR is retried like a real one; an injected EAGAIN or error replaces the call.
@inline(__always)
private func io(_ site: FaultSite, _ fd: Int32, _ call: (Int?) -> Int) throws(Errno) -> IOResult<Int> {
    var limit: Int?
    switch injected(site, fd) {
    case .errno(let e)? where e == .eintr: break
    case .errno(let e)? where e == .eagain: return .wouldBlock
    case .errno(let e)?: throw e
    case .short(let n)?: limit = n
    case nil: break
    }
    while true {
        let r = call(limit)
        if r >= 0 { return .done(r) }
        let e = errno
        if e == EINTR { continue }
        if e == EAGAIN || e == EWOULDBLOCK { return .wouldBlock }
        throw Errno(rawValue: e)
    }
}

/// Runs `call` until it does not fail with EINTR; throws every other errno (calls that
/// never block).
@inline(__always)
private func retrying(_ call: () -> Int) throws(Errno) -> Int {
    while true {
        let r = call()
        if r >= 0 { return r }
        let e = errno
        if e == EINTR { continue }
        throw Errno(rawValue: e)
    }
}

func sysSocket(_ domain: Int32, _ type: Int32, _ proto: Int32, nonblocking: Bool) throws(Errno) -> Int32 {
    let flags = Int32(SOCK_CLOEXEC.rawValue) | (nonblocking ? Int32(SOCK_NONBLOCK.rawValue) : 0)
    return Int32(try retrying { Int(socket(domain, type | flags, proto)) })
}

/// Closes `fd`. EINTR still closes on Linux, so it is never retried (a retry could close a
/// descriptor another thread has just opened). EBADF means the descriptor was closed twice:
/// a bug, so debug builds stop there.
@discardableResult
func sysClose(_ fd: Int32) -> Errno? {
    // An injected error still closes, as the kernel does.
    if case .errno(let e)? = injected(.close, fd) { _ = close(fd); return e == .eintr ? nil : e }
    if close(fd) == 0 { return nil }
    let e = Errno.current
    assert(e != .ebadf, "descriptor \(fd) closed twice")
    return e == .eintr ? nil : e
}

/// Whether closing `fd` may block: SO_LINGER on with a timeout makes close(2) wait up to
/// that long for unsent data to be acknowledged.
func sysLingers(_ fd: Int32) -> Bool {
    var l = linger()
    var len = socklen_t(MemoryLayout<linger>.size)
    guard (try? retrying({ Int(getsockopt(fd, SOL_SOCKET, SO_LINGER, &l, &len)) })) != nil else { return false }
    return l.l_onoff != 0 && l.l_linger > 0
}

func sysBind(_ fd: Int32, _ addr: inout SockaddrStorage) throws(Errno) {
    _ = try retrying { addr.withSockaddr { Int(bind(fd, $0, $1.pointee)) } }
}

func sysListen(_ fd: Int32, _ backlog: Int32) throws(Errno) {
    _ = try retrying { Int(listen(fd, backlog)) }
}

/// Connects; `.wouldBlock` while a non-blocking connect is in progress.
func sysConnect(_ fd: Int32, _ addr: inout SockaddrStorage) throws(Errno) -> IOResult<Void> {
    do throws(Errno) {
        switch try io(.connect, fd, { _ in addr.withSockaddr { Int(connect(fd, $0, $1.pointee)) } }) {
        case .done: return .done(())
        case .wouldBlock: return .wouldBlock
        }
    } catch where error == .einprogress || error == .ealready {
        return .wouldBlock
    }
}

/// Accepts a connection; `.wouldBlock` when none is pending.
func sysAccept(_ fd: Int32, nonblocking: Bool) throws(Errno) -> IOResult<Int32> {
    let flags = Int32(SOCK_CLOEXEC.rawValue) | (nonblocking ? Int32(SOCK_NONBLOCK.rawValue) : 0)
    switch try io(.accept, fd, { _ in Int(esock_accept4(fd, flags)) }) {
    case .done(let n): return .done(Int32(n))
    case .wouldBlock: return .wouldBlock
    }
}

func sysSockname(_ fd: Int32) throws(Errno) -> SockaddrStorage {
    var a = SockaddrStorage()
    _ = try retrying { a.withSockaddr { Int(getsockname(fd, $0, $1)) } }
    return a
}

func sysPeername(_ fd: Int32) throws(Errno) -> SockaddrStorage {
    var a = SockaddrStorage()
    _ = try retrying { a.withSockaddr { Int(getpeername(fd, $0, $1)) } }
    return a
}

func sysShutdown(_ fd: Int32, _ how: Int32) throws(Errno) {
    _ = try retrying { Int(shutdown(fd, how)) }
}

/// The pending error of a socket (SO_ERROR), for finishing a non-blocking connect.
func sysSocketError(_ fd: Int32) throws(Errno) -> Int32 {
    var value: Int32 = 0
    var len = socklen_t(MemoryLayout<Int32>.size)
    _ = try retrying { Int(getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &len)) }
    return value
}

/// Sends (never raising SIGPIPE); an injected short write sends at most that many bytes.
func sysSend(_ fd: Int32, _ data: UnsafeRawBufferPointer, _ flags: Int32) throws(Errno) -> IOResult<Int> {
    try io(.send, fd) { limit in send(fd, data.baseAddress, min(data.count, limit ?? .max), flags | esock_msg_nosignal) }
}

func sysSendTo(_ fd: Int32, _ data: UnsafeRawBufferPointer, _ flags: Int32,
               _ addr: inout SockaddrStorage) throws(Errno) -> IOResult<Int> {
    try io(.send, fd) { _ in
        addr.withSockaddr { sendto(fd, data.baseAddress, data.count, flags | esock_msg_nosignal, $0, $1.pointee) }
    }
}

/// sendfile(2): up to `count` bytes of `file` from `offset` to the socket `fd` (the file's
/// own offset stays as it is). 0 when the file has nothing at `offset`.
func sysSendfile(_ fd: Int32, _ file: Int32, offset: Int, count: Int) throws(Errno) -> IOResult<Int> {
    try io(.send, fd) { limit in esock_sendfile(fd, file, offset, UInt(min(count, limit ?? .max))) }
}

/// A new pipe (blocking, close-on-exec): the read end and the write end.
func sysPipe() throws(Errno) -> (read: Int32, write: Int32) {
    var fds: [Int32] = [-1, -1]
    _ = try retrying { Int(esock_pipe(&fds)) }
    return (fds[0], fds[1])
}

/// The size of the open file `fd` (fstat).
func sysFileSize(_ fd: Int32) throws(Errno) -> Int {
    var st = stat()
    _ = try retrying { Int(fstat(fd, &st)) }
    return Int(st.st_size)
}

func sysRecv(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer, _ flags: Int32) throws(Errno) -> IOResult<Int> {
    try io(.recv, fd) { _ in recv(fd, buffer.baseAddress, buffer.count, flags) }
}

func sysSendMsg(_ fd: Int32, _ msg: UnsafePointer<msghdr>, _ flags: Int32) throws(Errno) -> IOResult<Int> {
    try io(.sendmsg, fd) { _ in sendmsg(fd, msg, flags | esock_msg_nosignal) }
}

func sysRecvMsg(_ fd: Int32, _ msg: UnsafeMutablePointer<msghdr>, _ flags: Int32) throws(Errno) -> IOResult<Int> {
    try io(.recvmsg, fd) { _ in recvmsg(fd, msg, flags) }
}

/// Throws the errno armed for this call, except EINTR, which the call retries as a real one.
@inline(__always)
private func injectedRefusal(_ site: FaultSite, _ fd: Int32) throws(Errno) {
    if case .errno(let e)? = injected(site, fd), e != .eintr { throw e }
}

/// `ioctl(2)` with one pointer argument (socket and interface requests); never blocks.
func sysIoctl(_ fd: Int32, _ request: UInt, _ arg: UnsafeMutableRawPointer) throws(Errno) {
    try injectedRefusal(.ioctl, fd)
    _ = try retrying { Int(esock_ioctl(fd, request, arg)) }
}

/// `SIOCGIFCONF` into `buffer`; returns how many bytes of `ifreq`s the kernel filled.
func sysIoctlInterfaceList(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
    try injectedRefusal(.ioctl, fd)
    var len = Int32(buffer.count)
    _ = try retrying { Int(esock_ioctl_ifconf(fd, buffer.baseAddress, &len)) }
    return Int(len)
}

/// `getsockopt(TCP_INFO)`: the kernel's `struct tcp_info` (OTP asks for it with `ioctl`, so
/// it shares that fault site).
func sysTCPInfo(_ fd: Int32) throws(Errno) -> [UInt8] {
    try injectedRefusal(.ioctl, fd)
    var buffer = [UInt8](repeating: 0, count: 512)
    var len = socklen_t(buffer.count)
    _ = try retrying { buffer.withUnsafeMutableBytes { Int(getsockopt(fd, Int32(IPPROTO_TCP), Int32(TCP_INFO), $0.baseAddress, &len)) } }
    return Array(buffer.prefix(Int(len)))
}

/// Makes `fd` blocking again (io_uring operations on a non-blocking descriptor fail with
/// EAGAIN instead of waiting).
func sysClearNonblocking(_ fd: Int32) throws(Errno) {
    let flags = try retrying { Int(fcntl(fd, F_GETFL)) }
    guard flags & Int(O_NONBLOCK) != 0 else { return }
    _ = try retrying { Int(fcntl(fd, F_SETFL, Int32(flags) & ~O_NONBLOCK)) }
}

/// Sets (or clears) O_NONBLOCK on `fd`.
func sysSetNonblocking(_ fd: Int32, _ on: Bool) throws(Errno) {
    let flags = Int32(try retrying { Int(fcntl(fd, F_GETFL)) })
    let wanted = on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK
    guard wanted != flags else { return }
    _ = try retrying { Int(fcntl(fd, F_SETFL, wanted)) }
}

/// A new descriptor for the same open file as `fd`, closed on exec.
func sysDup(_ fd: Int32) throws(Errno) -> Int32 {
    Int32(try retrying { Int(fcntl(fd, F_DUPFD_CLOEXEC, Int32(0))) })
}

/// What `fd` is ready for now (poll(2) event bits), without waiting.
func sysPollNow(_ fd: Int32, _ events: Int16) -> Int16 {
    var p = pollfd(fd: fd, events: events, revents: 0)
    let r = (try? retrying { Int(poll(&p, 1, 0)) }) ?? 0
    return r > 0 ? p.revents : 0
}

/// `epoll_ctl`; the loops treat a failure as the kernel refusing the descriptor.
func sysEpollCtl(_ epfd: Int32, _ op: Int32, _ fd: Int32, _ event: inout epoll_event) throws(Errno) {
    _ = try retrying { Int(epoll_ctl(epfd, op, fd, &event)) }
}

/// Waits for epoll events; an interrupted wait returns no events.
func sysEpollWait(_ epfd: Int32, _ events: UnsafeMutablePointer<epoll_event>, _ capacity: Int32) -> Int {
    #if DEBUG
    if FaultInjection.take(.wait, fd: epfd) != nil { return 0 }
    #endif
    let n = epoll_wait(epfd, events, capacity, -1)
    return n < 0 ? 0 : Int(n)
}

/// Adds one to an eventfd counter (a wake-up); never blocks for a counter this small.
func sysEventfdSignal(_ fd: Int32) {
    var one: UInt64 = 1
    _ = try? retrying { write(fd, &one, 8) }
}

/// Reads and resets an eventfd counter.
func sysEventfdDrain(_ fd: Int32) {
    var value: UInt64 = 0
    _ = try? io(.recv, fd) { _ in read(fd, &value, 8) }
}

/// Creates an eventfd.
func sysEventfd(nonblocking: Bool) throws(Errno) -> Int32 {
    Int32(try retrying { Int(eventfd(0, Int32(EFD_CLOEXEC) | (nonblocking ? Int32(EFD_NONBLOCK) : 0))) })
}

/// Creates a non-blocking monotonic timerfd (the poll loop's own timer: the loop never
/// depends on the runtime's timers, which need descriptors of their own).
func sysTimerfd() throws(Errno) -> Int32 {
    Int32(try retrying { Int(timerfd_create(CLOCK_MONOTONIC, Int32(TFD_NONBLOCK | TFD_CLOEXEC))) })
}

/// Arms `fd` to fire once after `delay` (at least a nanosecond; zero would disarm it).
func sysTimerfdArm(_ fd: Int32, after delay: Duration) {
    let (s, atto) = max(delay, .nanoseconds(1)).components
    var spec = itimerspec()
    spec.it_value.tv_sec = Int(s)
    spec.it_value.tv_nsec = Int(atto / 1_000_000_000)
    _ = try? retrying { Int(timerfd_settime(fd, 0, &spec, nil)) }
}

/// Creates an epoll set.
func sysEpollCreate() throws(Errno) -> Int32 {
    Int32(try retrying { Int(epoll_create1(Int32(EPOLL_CLOEXEC))) })
}

/// `data`'s bytes for a system call that throws an ``Errno``.
func withBytes<R>(_ data: [UInt8], _ body: (UnsafeRawBufferPointer) throws(Errno) -> R) throws(Errno) -> R {
    let r: Result<R, Errno> = data.withUnsafeBytes { b in
        do throws(Errno) { return .success(try body(b)) } catch { return .failure(error) }
    }
    return try r.get()
}

/// Flag constants as `Int32`, in one place (their C types differ between headers).
let sockCloexec = Int32(SOCK_CLOEXEC.rawValue)
let msgNoSignal = Int32(MSG_NOSIGNAL)
let msgDontWait = Int32(MSG_DONTWAIT)
