import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Whether this machine (or network namespace) has IPv6 on loopback: a UDP socket binds to
/// [::1]. Containers and namespaces may have IPv6 switched off; tests that need it are
/// skipped there, with this as the reason.
enum IPv6Loopback {
    static let available: Bool = {
        let fd = socket(AF_INET6, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var a = sockaddr_in6()
        a.sin6_family = sa_family_t(AF_INET6)
        a.sin6_addr = in6addr_loopback
        return withUnsafePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) == 0
            }
        }
    }()

    static let reason: Comment = "no IPv6 on loopback here"
}
