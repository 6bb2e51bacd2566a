#if canImport(Glibc)
import Glibc
#endif
import CESockLinux

/// Creating a socket in another network namespace (OTP's `netns` open option): the calling
/// thread enters the namespace, the socket is made there (and stays there), and the thread
/// goes back to its own namespace before anything else runs on it.
enum NetnsEntry {
    /// Runs `body` with the calling thread in the network namespace at `path`.
    static func inside<T>(_ path: String, _ body: () throws(SocketError) -> T) throws(SocketError) -> T {
        guard !path.isEmpty else { throw .invalid(.argument("netns: an empty path")) }
        let own = Glibc.open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
        guard own >= 0 else { throw .errno(Errno(rawValue: errno)) }
        defer { Glibc.close(own) }
        let target = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard target >= 0 else { throw .errno(Errno(rawValue: errno)) }
        defer { Glibc.close(target) }
        guard esock_enter_netns(target) == 0 else { throw .errno(Errno(rawValue: errno)) }
        let result = Result { () throws(SocketError) in try body() }
        // Back to the thread's own namespace: this thread runs other code next, which must
        // not find itself elsewhere. Entering a namespace we hold open fails only without
        // the capability we just used, so a failure here is reported, not retried.
        guard esock_enter_netns(own) == 0 else {
            let e = Errno(rawValue: errno)
            if case .success(let s as Socket) = result { try? s.engine.close(s) }
            throw .errno(e)
        }
        return try result.get()
    }

    /// Whether this kernel has network namespaces (the thread's own can be opened).
    static var available: Bool {
        let fd = Glibc.open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        Glibc.close(fd)
        return true
    }
}
