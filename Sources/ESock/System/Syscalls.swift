import CESockLinux
#if canImport(Glibc)
import Glibc
#endif

// Thin wrappers over the socket system calls: retry on EINTR, return the result or throw the
// errno. Nothing here knows about queues or backends.

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

@discardableResult
func sysClose(_ fd: Int32) -> Int32 { close(fd) }

func sysBind(_ fd: Int32, _ addr: inout SockaddrStorage) throws(Errno) {
    _ = try retrying { addr.withSockaddr { Int(bind(fd, $0, $1.pointee)) } }
}

func sysListen(_ fd: Int32, _ backlog: Int32) throws(Errno) {
    _ = try retrying { Int(listen(fd, backlog)) }
}

func sysConnect(_ fd: Int32, _ addr: inout SockaddrStorage) throws(Errno) {
    _ = try retrying { addr.withSockaddr { Int(connect(fd, $0, $1.pointee)) } }
}

func sysAccept(_ fd: Int32, nonblocking: Bool) throws(Errno) -> Int32 {
    let flags = Int32(SOCK_CLOEXEC.rawValue) | (nonblocking ? Int32(SOCK_NONBLOCK.rawValue) : 0)
    return Int32(try retrying { Int(esock_accept4(fd, flags)) })
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

func sysSend(_ fd: Int32, _ data: UnsafeRawBufferPointer, _ flags: Int32) throws(Errno) -> Int {
    try retrying { send(fd, data.baseAddress, data.count, flags | esock_msg_nosignal) }
}

func sysSendTo(_ fd: Int32, _ data: UnsafeRawBufferPointer, _ flags: Int32, _ addr: inout SockaddrStorage) throws(Errno) -> Int {
    try retrying {
        addr.withSockaddr { sendto(fd, data.baseAddress, data.count, flags | esock_msg_nosignal, $0, $1.pointee) }
    }
}

func sysRecv(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer, _ flags: Int32) throws(Errno) -> Int {
    try retrying { recv(fd, buffer.baseAddress, buffer.count, flags) }
}

func sysRecvFrom(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer, _ flags: Int32,
                 _ addr: inout SockaddrStorage) throws(Errno) -> Int {
    try retrying { addr.withSockaddr { recvfrom(fd, buffer.baseAddress, buffer.count, flags, $0, $1) } }
}

func sysSendMsg(_ fd: Int32, _ msg: UnsafePointer<msghdr>, _ flags: Int32) throws(Errno) -> Int {
    try retrying { sendmsg(fd, msg, flags | esock_msg_nosignal) }
}

func sysRecvMsg(_ fd: Int32, _ msg: UnsafeMutablePointer<msghdr>, _ flags: Int32) throws(Errno) -> Int {
    try retrying { recvmsg(fd, msg, flags) }
}

/// `data`'s bytes for a system call that throws an ``Errno``.
func withBytes<R>(_ data: [UInt8], _ body: (UnsafeRawBufferPointer) throws(Errno) -> R) throws(Errno) -> R {
    let r: Result<R, Errno> = data.withUnsafeBytes { b in
        do throws(Errno) { return .success(try body(b)) } catch { return .failure(error) }
    }
    return try r.get()
}
