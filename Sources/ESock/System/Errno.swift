#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A POSIX error number, printed the way OTP names it (`econnrefused`, `eagain`, ...).
public struct Errno: Error, Sendable, Hashable, CustomStringConvertible {
    /// The raw `errno` value.
    public let rawValue: Int32

    /// Wraps a raw `errno` value.
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// The current thread's `errno`.
    static var current: Errno { Errno(rawValue: errno) }

    /// OTP's lowercase name (`econnreset`), or `errno N` when unnamed.
    public var name: String {
        Errno.names[rawValue] ?? "errno \(rawValue)"
    }

    /// The C library's message for this error.
    public var message: String { String(cString: strerror(rawValue)) }

    public var description: String { "\(name) (\(message))" }

    public static let eagain = Errno(rawValue: EAGAIN)
    public static let einprogress = Errno(rawValue: EINPROGRESS)
    public static let eintr = Errno(rawValue: EINTR)
    public static let econnrefused = Errno(rawValue: ECONNREFUSED)
    public static let econnreset = Errno(rawValue: ECONNRESET)
    public static let epipe = Errno(rawValue: EPIPE)
    public static let enotconn = Errno(rawValue: ENOTCONN)
    public static let eaddrinuse = Errno(rawValue: EADDRINUSE)
    public static let eaddrnotavail = Errno(rawValue: EADDRNOTAVAIL)
    public static let einval = Errno(rawValue: EINVAL)
    public static let enotsup = Errno(rawValue: EOPNOTSUPP)
    public static let eperm = Errno(rawValue: EPERM)
    public static let enosys = Errno(rawValue: ENOSYS)
    public static let ecanceled = Errno(rawValue: ECANCELED)
    public static let etime = Errno(rawValue: ETIME)
    public static let enoprotoopt = Errno(rawValue: ENOPROTOOPT)
    public static let esocktnosupport = Errno(rawValue: ESOCKTNOSUPPORT)
    public static let eprotonosupport = Errno(rawValue: EPROTONOSUPPORT)
    public static let eafnosupport = Errno(rawValue: EAFNOSUPPORT)
    public static let enobufs = Errno(rawValue: ENOBUFS)
    public static let enoent = Errno(rawValue: ENOENT)
    public static let ealready = Errno(rawValue: EALREADY)
    public static let eisconn = Errno(rawValue: EISCONN)
    public static let enetunreach = Errno(rawValue: ENETUNREACH)
    public static let ehostunreach = Errno(rawValue: EHOSTUNREACH)
    public static let emfile = Errno(rawValue: EMFILE)
    public static let enomem = Errno(rawValue: ENOMEM)
    public static let eacces = Errno(rawValue: EACCES)
    public static let emsgsize = Errno(rawValue: EMSGSIZE)
    public static let edestaddrreq = Errno(rawValue: EDESTADDRREQ)
    public static let ebadf = Errno(rawValue: EBADF)
    public static let enotsock = Errno(rawValue: ENOTSOCK)
    public static let enfile = Errno(rawValue: ENFILE)
    public static let econnaborted = Errno(rawValue: ECONNABORTED)
    public static let enodev = Errno(rawValue: ENODEV)

    private static let names: [Int32: String] = [
        EPERM: "eperm", ENOENT: "enoent", EINTR: "eintr", EIO: "eio", EBADF: "ebadf",
        EAGAIN: "eagain", ENOMEM: "enomem", EACCES: "eacces", EFAULT: "efault", EBUSY: "ebusy",
        EEXIST: "eexist", EINVAL: "einval", ENFILE: "enfile", EMFILE: "emfile", EPIPE: "epipe",
        ENOSYS: "enosys", ENOTSOCK: "enotsock", EDESTADDRREQ: "edestaddrreq",
        EMSGSIZE: "emsgsize", EPROTOTYPE: "eprototype", ENOPROTOOPT: "enoprotoopt",
        EPROTONOSUPPORT: "eprotonosupport", ESOCKTNOSUPPORT: "esocktnosupport",
        EOPNOTSUPP: "enotsup", EPFNOSUPPORT: "epfnosupport", EAFNOSUPPORT: "eafnosupport",
        EADDRINUSE: "eaddrinuse", EADDRNOTAVAIL: "eaddrnotavail", ENETDOWN: "enetdown",
        ENETUNREACH: "enetunreach", ENETRESET: "enetreset", ECONNABORTED: "econnaborted",
        ECONNRESET: "econnreset", ENOBUFS: "enobufs", EISCONN: "eisconn", ENOTCONN: "enotconn",
        ESHUTDOWN: "eshutdown", ETIMEDOUT: "etimedout", ECONNREFUSED: "econnrefused",
        EHOSTDOWN: "ehostdown", EHOSTUNREACH: "ehostunreach", EALREADY: "ealready",
        EINPROGRESS: "einprogress", ECANCELED: "ecanceled", ETIME: "etime", ENODEV: "enodev",
    ]
}
