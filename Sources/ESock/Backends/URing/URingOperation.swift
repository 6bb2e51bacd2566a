import CURing
#if canImport(Glibc)
import Glibc
#endif

/// One operation in the kernel: the request, the memory the kernel reads or writes while it
/// runs, and what to do with its completion. Retained from submission to its final CQE
/// (its address is the CQE's user_data).
final class URingOperation: @unchecked Sendable {
    // Nil only while the operation waits in the pool for reuse.
    private(set) var socket: Socket!
    private(set) var waiter: Waiter!
    private(set) var request: Request
    /// Cancelled by the caller or by close: the result goes to the stash (or is dropped).
    var cancelled = false
    /// Cancelled by an awaiting send that timed out: its final count still goes to the
    /// caller's private mailbox, so the bytes that went out are not reported unsent.
    var settles = false

    /// Receive memory, owned: kept when the operation is reused for a receive of the same size.
    private var buffer: UnsafeMutableRawBufferPointer?
    /// The bytes a send writes: the request's own array storage, which the request keeps
    /// alive and unchanged while the kernel reads it (no copy).
    private var sendBytes: UnsafeRawPointer?
    private var header: MessageHeader?
    private var address: UnsafeMutablePointer<SockaddrStorage>?
    /// The linked timeout's value; allocated by the first operation with a deadline.
    private var timespec: UnsafeMutablePointer<__kernel_timespec>?
    /// EAGAIN completions so far (see ``complete(_:accept:)``).
    private var retries = 0
    /// Bytes of a send already written by earlier submissions.
    private var sent = 0
    private var sendTotal = 0
    /// The recv length asked for (0: any).
    private var recvLength = 0
    /// The socket's `{otp, rcvbuf}`: the size of a receive buffer asked for as 0.
    private var rcvbuf = 0
    /// sendfile: the pipe the file's bytes are spliced through, and what is in it now.
    private var splice = SplicePipe()

    /// The outcome of a CQE.
    enum Outcome {
        case final(CompletionStatus)
        case resubmit
    }

    init(socket: Socket, waiter: Waiter, rcvbuf: Int) {
        self.socket = socket
        self.waiter = waiter
        self.request = waiter.request
        start(socket: socket, waiter: waiter, rcvbuf: rcvbuf)
    }

    /// Sets the operation up for `waiter`'s request (a new one, or a reused one that ended).
    func start(socket: Socket, waiter: Waiter, rcvbuf: Int) {
        self.socket = socket
        self.waiter = waiter
        self.request = waiter.request
        self.rcvbuf = rcvbuf
        cancelled = false
        settles = false
        retries = 0
        sent = 0
        sendTotal = 0
        recvLength = 0
        sendBytes = nil
        header = nil
        let stream = socket.type == .stream
        switch waiter.request {
        case .recv(let length, _):
            recvLength = length
            let size = max(length > 0 ? length : (stream ? rcvbuf : 65536), 1)
            if buffer?.count != size {
                buffer?.deallocate()
                buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
            }
            if waiter.request.isTrunc { buffer!.initializeMemory(as: UInt8.self, repeating: 0) }
        case .send(let data, _):
            sendTotal = data.count
            // A native array's storage does not move while it is held and not mutated; the
            // request holds it until the operation's last completion.
            sendBytes = data.withUnsafeBytes { $0.baseAddress }
        case .sendto(let data, _, _):
            sendTotal = data.count
        case .sendmsg(let m, _, _):
            sendTotal = m.count
        case .connect(let a):
            if address == nil { address = .allocate(capacity: 1) } else { address!.deinitialize(count: 1) }
            address!.initialize(to: a)
        case .recvfrom(let length, _):
            recvLength = length
        case .sendfile(_, _, let count):
            sendTotal = count
            splice.open()
        default:
            break
        }
        prepareHeader()
    }

    /// Lets go of the socket, waiter and data of an operation that has ended, keeping its
    /// memory for the next one (see ``URingLoop/recycle(_:)-(URingOperation)``).
    func clear() {
        splice.close()
        socket = nil
        waiter = nil
        request = .accept
        sendBytes = nil
        header = nil
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
            io_uring_prep_send(sqe, fd, sendBytes.map { $0 + sent }, sendTotal - sent, flags | nosignal)
        case .recvfrom(_, let flags), .recvmsg(_, _, let flags):
            io_uring_prep_recvmsg(sqe, fd, header!.msg, UInt32(bitPattern: flags))
        case .sendto(_, _, let flags), .sendmsg(_, _, let flags):
            io_uring_prep_sendmsg(sqe, fd, header!.msg, UInt32(bitPattern: flags | nosignal))
        case .sendfile(let file, let offset, _):
            // From the file into the (empty) pipe, then from the pipe to the socket: the
            // bytes never pass through user space.
            if splice.failed {
                // No pipe (descriptors ran out): the completion reports the pipe's errno.
                io_uring_prep_nop(sqe)
            } else if splice.held == 0 {
                io_uring_prep_splice(sqe, file, Int64(offset + sent), splice.write, -1,
                                     UInt32(min(sendTotal - sent, SplicePipe.capacity)), 0)
            } else {
                io_uring_prep_splice(sqe, splice.read, -1, fd, -1, UInt32(splice.held), 0)
            }
        }
    }

    /// Fills `ts` for a linked timeout ending at `deadline`.
    func timeout(until deadline: ContinuousClock.Instant) -> UnsafeMutablePointer<__kernel_timespec> {
        let left = max(ContinuousClock.now.duration(to: deadline), .zero)
        let (s, atto) = left.components
        let t = timespec ?? {
            let t = UnsafeMutablePointer<__kernel_timespec>.allocate(capacity: 1)
            t.initialize(to: __kernel_timespec())
            timespec = t
            return t
        }()
        t.pointee.tv_sec = s
        t.pointee.tv_nsec = atto / 1_000_000_000
        return t
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
        case .sendfile:
            if splice.failed { return .final(.error(.errno(splice.error))) }
            if splice.held == 0 {
                // The file ended before `count`: what went out is the result.
                if n == 0 { splice.close(); return .final(.sent(sent)) }
                splice.held = n
                return .resubmit
            }
            sent += n
            splice.held -= n
            if (splice.held > 0 || sent < sendTotal) && !cancelled { return .resubmit }
            splice.close()
            return .final(.sent(sent))
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
        splice.close()
        buffer?.deallocate()
        address?.deinitialize(count: 1)
        address?.deallocate()
        timespec?.deallocate()
    }
}
