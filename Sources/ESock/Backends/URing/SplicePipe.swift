#if canImport(Glibc)
import Glibc
#endif

/// The pipe a uring sendfile splices through (io_uring has no sendfile): file → pipe, then
/// pipe → socket, until the count is sent. One per sendfile operation, closed when it ends,
/// so bytes left in it by a cancelled operation never reach another one.
struct SplicePipe {
    /// How much one file → pipe splice moves: the default pipe capacity.
    static let capacity = 65536

    private(set) var read: Int32 = -1
    private(set) var write: Int32 = -1
    /// Bytes in the pipe not yet spliced to the socket.
    var held = 0
    /// The pipe could not be made: the operation fails with this errno.
    private(set) var error = Errno(rawValue: 0)
    var failed: Bool { error.rawValue != 0 }

    mutating func open() {
        close()
        do throws(Errno) {
            (read, write) = try sysPipe()
        } catch {
            self.error = error
        }
    }

    mutating func close() {
        if read >= 0 { _ = sysClose(read) }
        if write >= 0 { _ = sysClose(write) }
        read = -1
        write = -1
        held = 0
        error = Errno(rawValue: 0)
    }
}
