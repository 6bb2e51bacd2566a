#if canImport(Glibc)
import Glibc
#endif

/// OTP's global socket counters (`socket:info()` → `counters`): the open sockets of the
/// process, by domain, type and protocol. A socket counts from its open (or accept) until it
/// is closed, or dropped without close.
public struct GlobalSocketCounters: Sendable, Hashable {
    public var numSockets = 0
    public var numDinet = 0, numDinet6 = 0, numDlocal = 0
    public var numTstreams = 0, numTdgrams = 0, numTseqpkgs = 0
    public var numPip = 0, numPtcp = 0, numPudp = 0, numPsctp = 0
    /// The width of each counter in bits (OTP's `num_cnt_bits`).
    public var numCntBits: Int { 64 }

    /// The counters as OTP names them (`num_sockets`, `num_dinet`, ...).
    public var named: [(String, Int)] {
        [("num_cnt_bits", numCntBits), ("num_dinet", numDinet), ("num_dinet6", numDinet6),
         ("num_dlocal", numDlocal), ("num_pip", numPip), ("num_psctp", numPsctp), ("num_ptcp", numPtcp),
         ("num_pudp", numPudp), ("num_sockets", numSockets), ("num_tdgrams", numTdgrams),
         ("num_tseqpkgs", numTseqpkgs), ("num_tstreams", numTstreams)]
    }

    /// Adds (`by` 1) or removes (`by` -1) a socket of this kind.
    mutating func count(_ kind: SocketKind, by n: Int) {
        numSockets += n
        switch kind.domain {
        case .inet: numDinet += n
        case .inet6: numDinet6 += n
        case .local: numDlocal += n
        }
        switch kind.type {
        case .stream: numTstreams += n
        case .dgram: numTdgrams += n
        case .seqpacket: numTseqpkgs += n
        case .raw: break
        }
        switch kind.protocol {
        case .tcp: numPtcp += n
        case .udp: numPudp += n
        case .sctp: numPsctp += n
        case .default, .icmp: numPip += n
        }
    }

    private static let current = Lock(GlobalSocketCounters())

    /// The counters now.
    static var snapshot: GlobalSocketCounters { current.withLock { $0 } }

    /// A socket of `kind` opened.
    static func opened(_ kind: SocketKind) { current.withLock { $0.count(kind, by: 1) } }

    /// A socket of `kind` closed.
    static func closed(_ kind: SocketKind) { current.withLock { $0.count(kind, by: -1) } }
}

/// A socket's domain, type and protocol, as the global counters file it.
struct SocketKind: Sendable, Hashable {
    let domain: Domain
    let type: SocketType
    let `protocol`: SocketProtocol
}

/// The most buffers one `sendmsg`/`recvmsg` takes (`sysconf(_SC_IOV_MAX)`, OTP's `iov_max`).
let iovMax: Int = {
    let n = sysconf(Int32(_SC_IOV_MAX))
    return n > 0 ? n : 1024
}()
