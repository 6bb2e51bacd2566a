/// The counters OTP keeps per socket (`info(Socket)` → `counters`).
public struct SocketCounters: Sendable, Hashable {
    public var readByte = 0, readPkg = 0, readPkgMax = 0, readTries = 0, readWaits = 0, readFails = 0
    public var writeByte = 0, writePkg = 0, writePkgMax = 0, writeTries = 0, writeWaits = 0, writeFails = 0
    public var accSuccess = 0, accTries = 0, accWaits = 0, accFails = 0
    /// sendfile: calls made, bytes sent, failures, the most bytes of one result, and the
    /// results (OTP's `sendfile`, `sendfile_byte`, `sendfile_fails`, `sendfile_max`,
    /// `sendfile_pkg`, `sendfile_pkg_max`). Its tries and waits count as writes.
    public var sendfile = 0, sendfileByte = 0, sendfileFails = 0, sendfileMax = 0, sendfilePkg = 0, sendfilePkgMax = 0

    /// The counters as OTP names them (`read_byte`, `acc_success`, ...).
    public var named: [(String, Int)] {
        [("acc_fails", accFails), ("acc_success", accSuccess), ("acc_tries", accTries), ("acc_waits", accWaits),
         ("read_byte", readByte), ("read_fails", readFails), ("read_pkg", readPkg), ("read_pkg_max", readPkgMax),
         ("read_tries", readTries), ("read_waits", readWaits),
         ("sendfile", sendfile), ("sendfile_byte", sendfileByte), ("sendfile_fails", sendfileFails),
         ("sendfile_max", sendfileMax), ("sendfile_pkg", sendfilePkg), ("sendfile_pkg_max", sendfilePkgMax),
         ("write_byte", writeByte), ("write_fails", writeFails), ("write_pkg", writePkg),
         ("write_pkg_max", writePkgMax), ("write_tries", writeTries), ("write_waits", writeWaits)]
    }

    mutating func record(_ tag: OperationTag, _ status: CompletionStatus) {
        if tag == .sendfile { return recordSendfile(status) }
        switch status {
        case .error:
            switch Direction(tag) {
            case .read: readFails += 1
            case .write: writeFails += 1
            case .accept: accFails += 1
            }
        case .accepted: accSuccess += 1
        case .data(let d), .more(let d), .datagram(_, let d): read(d.count)
        case .message(let m): read(m.iov.reduce(0) { $0 + $1.count })
        case .sent(let n): writeByte += n; writePkg += 1; writePkgMax = max(writePkgMax, n)
        case .ok: break
        }
    }

    private mutating func recordSendfile(_ status: CompletionStatus) {
        switch status {
        case .sent(let n):
            sendfileByte += n
            sendfilePkg += 1
            sendfilePkgMax = max(sendfilePkgMax, n)
            sendfileMax = max(sendfileMax, n)
        case .error: sendfileFails += 1
        default: break
        }
    }


    mutating func read(_ n: Int) {
        readByte += n
        readPkg += 1
        readPkgMax = max(readPkgMax, n)
    }

    mutating func tried(_ d: Direction) {
        switch d {
        case .read: readTries += 1
        case .write: writeTries += 1
        case .accept: accTries += 1
        }
    }

    mutating func waited(_ d: Direction) {
        switch d {
        case .read: readWaits += 1
        case .write: writeWaits += 1
        case .accept: accWaits += 1
        }
    }
}

/// States OTP reports in `info(Socket)` (`rstates`, `wstates`).
public enum SocketStateFlag: String, Sendable, Hashable {
    case bound, listening, connecting, connected, selected, accepting, closed
    case readShutdown = "read_shutdown", writeShutdown = "write_shutdown"
}
