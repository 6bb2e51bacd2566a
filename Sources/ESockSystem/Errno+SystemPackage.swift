import ESock
import SystemPackage

// Both modules name their error number `Errno`; a file importing both writes
// `ESock.Errno` or `SystemPackage.Errno`. The two are the same C value, so each converts
// to the other without loss.

extension ESock.Errno {
    /// The same error number as swift-system's `errno`.
    public init(_ errno: SystemPackage.Errno) {
        self.init(rawValue: errno.rawValue)
    }
}

extension SystemPackage.Errno {
    /// The same error number as ESock's `errno`.
    public init(_ errno: ESock.Errno) {
        self.init(rawValue: errno.rawValue)
    }
}

extension SocketError {
    /// The error number the operating system gave, as swift-system's `Errno`, also when it
    /// comes with partial data; nil for ESock's own reasons (`closed`, `timeout`,
    /// `cancelled`, `invalid`).
    public var systemErrno: SystemPackage.Errno? {
        guard case .errno(let e) = reason else { return nil }
        return SystemPackage.Errno(e)
    }
}
