import ESock
import SystemPackage

extension FileDescriptor {
    /// The descriptor of `socket`, for calls that swift-system offers and ESock does not
    /// (`fstat`-like queries, `duplicate()`, ...).
    ///
    /// The socket keeps owning it: never `close()` this descriptor (close the socket through
    /// its `SocketAPI`), and do not use it after the socket is closed, when the number
    /// may already name another file. To hand the socket to code that owns what it gets, pass
    /// it `try fd.duplicate()`.
    public init(_ socket: Socket) {
        self.init(rawValue: socket.fileDescriptor)
    }
}
