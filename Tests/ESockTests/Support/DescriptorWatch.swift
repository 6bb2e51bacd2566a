#if canImport(Glibc)
import Glibc
#endif
@testable import ESock

/// Remembers sockets' descriptors by number and inode, to tell later whether they were given
/// back: a number still open with the same inode is the same socket's, leaked.
struct DescriptorWatch {
    private var identities: [(fd: Int32, inode: UInt)] = []

    /// Notes `socket`'s descriptor (false if it is not open).
    @discardableResult
    mutating func note(_ socket: Socket) -> Bool {
        var st = stat()
        guard fstat(socket.fileDescriptor, &st) == 0 else { return false }
        identities.append((socket.fileDescriptor, UInt(st.st_ino)))
        return true
    }

    /// How many noted descriptors are still open.
    var stillOpen: Int {
        identities.filter { id in
            var st = stat()
            return fstat(id.fd, &st) == 0 && UInt(st.st_ino) == id.inode
        }.count
    }

    var count: Int { identities.count }
}
