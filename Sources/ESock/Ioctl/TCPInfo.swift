/// A TCP connection's state, with OTP's names (`tcp_info`'s `state`).
public enum TCPState: String, Sendable, Hashable {
    /// established.
    case established
    /// syn_sent: a connect waits for the SYN-ACK.
    case synSent = "syn_sent"
    /// syn_rcvd: a SYN came in, its ACK is awaited.
    case synReceived = "syn_rcvd"
    /// fin_wait_1: closed here, FIN sent.
    case finWait1 = "fin_wait_1"
    /// fin_wait_2: our FIN acknowledged.
    case finWait2 = "fin_wait_2"
    /// time_wait: both sides closed, waiting out stray segments.
    case timeWait = "time_wait"
    /// closed.
    case closed
    /// close_wait: the peer closed, this side not yet.
    case closeWait = "close_wait"
    /// last_ack: closed after the peer, our FIN awaits its ACK.
    case lastAck = "last_ack"
    /// listen: a listening socket.
    case listen
    /// closing: both sides closed at once.
    case closing
    /// A state this build does not know (the kernel's number).
    case unknown

    /// The state for the kernel's `TCP_*` number (`tcpi_state`).
    init(kernel n: UInt8) {
        let states: [TCPState] = [.unknown, .established, .synSent, .synReceived, .finWait1, .finWait2,
                                  .timeWait, .closed, .closeWait, .lastAck, .listen, .closing, .synReceived]
        self = Int(n) < states.count ? states[Int(n)] : .unknown
    }
}

/// What OTP's `socket:ioctl(S, tcp_info)` returns, from Linux's `struct tcp_info`
/// (`getsockopt(TCP_INFO)`; OTP's request is Windows' `SIO_TCP_INFO`, version 0).
///
/// The fields carry OTP's names where Linux has the same quantity: `state`, `mss`,
/// `timestamps_enabled`, `rtt`, `min_rtt`, `cwnd`, `snd_wnd`, `rcv_buf`, `bytes_out`,
/// `bytes_in`, `bytes_retrans`. Linux has no counterpart of `connection_time`,
/// `bytes_reordered`, `fast_retrans`, `dup_acks_in`, `timeout_episodes` and `syn_retrans`;
/// it has others, given under their Linux names. A field a kernel too old to report is nil.
public struct TCPInfo: Sendable, Hashable {
    /// The connection's state.
    public var state: TCPState
    /// The send maximum segment size, in bytes (`tcpi_snd_mss`).
    public var mss: Int
    /// Whether TCP timestamps are on (`TCPI_OPT_TIMESTAMPS`).
    public var timestampsEnabled: Bool
    /// The smoothed round-trip time, in microseconds.
    public var rtt: Int
    /// Its variance, in microseconds.
    public var rttVariance: Int
    /// The smallest round-trip time seen, in microseconds.
    public var minRTT: Int?
    /// The retransmission timeout, in microseconds.
    public var rto: Int
    /// The congestion window, in bytes (`tcpi_snd_cwnd` segments × `mss`).
    public var cwnd: Int
    /// The slow-start threshold, in segments.
    public var sendSlowStartThreshold: Int
    /// The peer's receive window, in bytes (Linux 5.19 and later).
    public var sndWnd: Int?
    /// The receive buffer space the kernel aims for, in bytes (`tcpi_rcv_space`).
    public var rcvBuf: Int
    /// Segments sent and not yet acknowledged (`tcpi_unacked`).
    public var unacked: Int
    /// Segments thought lost.
    public var lost: Int
    /// Segments being retransmitted now.
    public var retransmitting: Int
    /// Retransmissions over the connection's life (`tcpi_total_retrans`).
    public var totalRetrans: Int
    /// The path MTU.
    public var pmtu: Int
    /// Bytes sent, retransmissions included (`tcpi_bytes_sent`).
    public var bytesOut: UInt64?
    /// Bytes received (`tcpi_bytes_received`).
    public var bytesIn: UInt64?
    /// Bytes acknowledged by the peer.
    public var bytesAcked: UInt64?
    /// Bytes retransmitted.
    public var bytesRetrans: UInt64?
    /// Bytes written but not yet sent (`tcpi_notsent_bytes`).
    public var notSentBytes: Int?
    /// The kernel's whole `struct tcp_info`, for fields not named here.
    public var raw: [UInt8]

    /// Decodes the kernel's bytes; nil when they are too short for the fields every Linux
    /// since 2.6 writes (104 bytes).
    init?(kernel b: [UInt8]) {
        guard b.count >= 104 else { return nil }
        func u32(_ o: Int) -> Int { Int(Self.load(b, o, as: UInt32.self)!) }
        func u32(ifAt o: Int) -> Int? { Self.load(b, o, as: UInt32.self).map(Int.init) }
        func u64(_ o: Int) -> UInt64? { Self.load(b, o, as: UInt64.self) }
        state = TCPState(kernel: b[0])
        timestampsEnabled = b[5] & 1 != 0
        rto = u32(8)
        mss = u32(16)
        unacked = u32(24)
        lost = u32(32)
        retransmitting = u32(36)
        pmtu = u32(60)
        rtt = u32(68)
        rttVariance = u32(72)
        sendSlowStartThreshold = u32(76)
        cwnd = u32(80) * mss
        rcvBuf = u32(96)
        totalRetrans = u32(100)
        bytesAcked = u64(120)
        bytesIn = u64(128)
        notSentBytes = u32(ifAt: 144)
        minRTT = u32(ifAt: 148)
        bytesOut = u64(200)
        bytesRetrans = u64(208)
        sndWnd = u32(ifAt: 228)
        raw = b
    }

    private static func load<T: FixedWidthInteger>(_ b: [UInt8], _ offset: Int, as: T.Type) -> T? {
        guard offset + MemoryLayout<T>.size <= b.count else { return nil }
        return b.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: T.self) }
    }
}
