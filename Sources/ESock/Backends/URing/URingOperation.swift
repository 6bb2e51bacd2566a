import CURing
#if canImport(Glibc)
import Glibc
#endif

/// One operation in the kernel: the request, the memory the kernel reads or writes while it
/// runs, and what to do with its completion. Retained from submission to its final CQE
/// (its address is the CQE's user_data).
final class URingOperation: @unchecked Sendable {
    let socket: Socket
    let waiter: Waiter
    private(set) var request: Request
    /// Cancelled by the caller or by close: the result goes to the stash (or is dropped).
    var cancelled = false
    /// Cancelled by an awaiting send that timed out: its final count still goes to the
    /// caller's private mailbox, so the bytes that went out are not reported unsent.
    var settles = false

    private var buffer: UnsafeMutableRawBufferPointer?
    private var header: MessageHeader?
    private var address: UnsafeMutablePointer<SockaddrStorage>?
    private let timespec: UnsafeMutablePointer<__kernel_timespec>
    /// EAGAIN completions so far (see ``complete(_:accept:)``).
    private var retries = 0
    /// Bytes of a send already written by earlier submissions.
    private var sent = 0
    private let sendTotal: Int
    /// The recv length asked for (0: any).
    private let recvLength: Int
    /// The socket's `{otp, rcvbuf}`: the size of a receive buffer asked for as 0.
    private let rcvbuf: Int

    /// The outcome of a CQE.
    enum Outcome {
        case final(CompletionStatus)
        case resubmit
    }

    init(socket: Socket, waiter: Waiter, rcvbuf: Int) {
        self.socket = socket
        self.waiter = waiter
        self.request = waiter.request
        self.rcvbuf = rcvbuf
        timespec = .allocate(capacity: 1)
        timespec.initialize(to: __kernel_timespec())
        let stream = socket.type == .stream
        switch waiter.request {
        case .recv(let length, _):
            recvLength = length
            let b = UnsafeMutableRawBufferPointer.allocate(byteCount: length > 0 ? length : (stream ? rcvbuf : 65536),
                                                           alignment: 16)
            if waiter.request.isTrunc { b.initializeMemory(as: UInt8.self, repeating: 0) }
            buffer = b
            sendTotal = 0
        case .send(let data, _):
            recvLength = 0
            sendTotal = data.count
            let b = UnsafeMutableRawBufferPointer.allocate(byteCount: max(data.count, 1), alignment: 16)
            b.copyBytes(from: data)
            buffer = b
        case .sendto(let data, _, _):
            recvLength = 0
            sendTotal = data.count
        case .sendmsg(let m, _, _):
            recvLength = 0
            sendTotal = m.count
        case .connect(let a):
            recvLength = 0
            sendTotal = 0
            address = .allocate(capacity: 1)
            address!.initialize(to: a)
        case .recvfrom(let length, _):
            recvLength = length
            sendTotal = 0
        default:
            recvLength = 0
            sendTotal = 0
        }
        prepareHeader()
    }

    private func prepareHeader() {
        let stream = socket.type == .stream
        switch request {
        case .recvfrom(let length, _):
            header = MessageHeader(receiving: [length > 0 ? length : (stream ? rcvbuf : 65536)], controlSize: 0, named: true)
        case .recvmsg(let sizes, let control, _):
            header = MessageHeader(receiving: sizes.map { $0 > 0 ? $0 : rcvbuf }, controlSize: control, named: !stream)
        case .sendto(let data, let to, _):
            header = MessageHeader(sending: OutgoingMessage(iov: [Array(data.dropFirst(sent))]), to: to)
        case .sendmsg(let m, let to, _):
            guard case .sendmsg(let rest, _, _) = request.advanced(by: sent) else { return }
            header = MessageHeader(sending: rest.iov.isEmpty ? m : rest, to: to)
        default:
            break
        }
    }

    var direction: Direction { request.direction }

    /// Fills `sqe` for this operation.
    func prepare(_ sqe: UnsafeMutablePointer<io_uring_sqe>) {
        let fd = socket.fileDescriptor
        let nosignal = msgNoSignal
        switch request {
        case .accept:
            io_uring_prep_accept(sqe, fd, nil, nil, sockCloexec)
        case .connect:
            address!.pointee.withSockaddr { sa, len in io_uring_prep_connect(sqe, fd, sa, len.pointee) }
        case .recv(_, let flags):
            io_uring_prep_recv(sqe, fd, buffer!.baseAddress, buffer!.count, flags)
        case .send(_, let flags):
            io_uring_prep_send(sqe, fd, buffer!.baseAddress! + sent, sendTotal - sent, flags | nosignal)
        case .recvfrom(_, let flags), .recvmsg(_, _, let flags):
            io_uring_prep_recvmsg(sqe, fd, header!.msg, UInt32(bitPattern: flags))
        case .sendto(_, _, let flags), .sendmsg(_, _, let flags):
            io_uring_prep_sendmsg(sqe, fd, header!.msg, UInt32(bitPattern: flags | nosignal))
        }
    }

    /// Fills `ts` for a linked timeout ending at `deadline`.
    func timeout(until deadline: ContinuousClock.Instant) -> UnsafeMutablePointer<__kernel_timespec> {
        let left = max(ContinuousClock.now.duration(to: deadline), .zero)
        let (s, atto) = left.components
        timespec.pointee.tv_sec = s
        timespec.pointee.tv_nsec = atto / 1_000_000_000
        return timespec
    }

    /// Interprets the CQE result `res`. `accept` wraps an accepted descriptor.
    func complete(_ res: Int32, accept: (Int32) -> CompletionStatus) -> Outcome {
        let stream = socket.type == .stream
        if res == -EINTR { return .resubmit }
        if res == -EAGAIN {
            // ESock's uring descriptors block, so the kernel waits instead of failing with
            // EAGAIN; this one was made non-blocking behind ESock's back. Make it blocking
            // again once, and give up rather than resubmit for ever.
            retries += 1
            if retries == 1 { try? sysClearNonblocking(socket.fileDescriptor) }
            if retries <= 3 { return .resubmit }
        }
        if res < 0 {
            // -ECANCELED: our own cancel (caller or close) or the linked timeout firing.
            let reason: SocketError = res == -ECANCELED && cancelled ? .closed
                : res == -ECANCELED && deadlinePassed ? .timeout
                : .errno(Errno(rawValue: -res))
            // A stream send resubmitted after a short write has already written `sent`
            // bytes: report only the rest as unsent, or a caller would send those twice.
            if sent > 0, let rest = request.advanced(by: sent).unsentData {
                return .final(.error(.with(reason, partial: rest)))
            }
            return .final(.error(reason))
        }
        let n = Int(res)
        switch request {
        case .accept:
            return .final(accept(res))
        case .connect:
            return .final(.ok)
        case .recv:
            if n == 0 && stream && buffer!.count > 0 { return .final(.error(.closed)) }
            // MSG_TRUNC reports a datagram's real length, past the buffer's end.
            let d = Array(UnsafeRawBufferPointer(rebasing: buffer![..<min(n, buffer!.count)]))
            return .final(request.isExactStreamRecv(stream: stream) && n < recvLength ? .more(d) : .data(d))
        case .recvfrom:
            if n == 0 && stream { return .final(.error(.closed)) }
            return .final(.datagram(source: header!.source, data: header!.firstBytes(n)))
        case .recvmsg:
            if n == 0 && stream && header!.capacity > 0 { return .final(.error(.closed)) }
            return .final(.message(header!.received(count: n)))
        case .send, .sendto, .sendmsg:
            sent += n
            if stream && sent < sendTotal && !cancelled {
                prepareHeader()
                return .resubmit
            }
            return .final(.sent(sent))
        }
    }

    /// Whether the linked timeout's deadline has come: an ECANCELED before it is not the
    /// timeout's (the kernel's own timer starts after the deadline was computed, so it never
    /// fires early).
    private var deadlinePassed: Bool {
        guard let d = waiter.deadline else { return false }
        return d <= ContinuousClock.now
    }

    /// Bytes written so far (for a send cut short).
    var bytesSent: Int { sent }

    deinit {
        buffer?.deallocate()
        address?.deinitialize(count: 1)
        address?.deallocate()
        timespec.deallocate()
    }
}
