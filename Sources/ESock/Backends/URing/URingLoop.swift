import CESockLinux
import CURing
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The uring backend's event loop: one thread that owns the ring, the only submitter
/// (so the ring can use SINGLE_ISSUER|DEFER_TASKRUN), and lives as long as the process
/// (a thread that exits cancels the requests it submitted).
///
/// Other threads hand it work through a command queue and wake it with an eventfd that has
/// a read pending in the ring.
final class URingLoop: @unchecked Sendable {
    enum Command: Sendable {
        case submit(URingOperation)
        case cancel(URingOperation)
        case cancelDescriptor(Int32)
        /// Streaming: (re-)arm a multishot recv into the buffer ring.
        case recvMultishot(Socket)
        /// Streaming: arm a multishot accept.
        case acceptMultishot(Socket)
        /// Streaming: send `count` bytes at `base` (memory the socket's outbox keeps still).
        case send(Socket, UncheckedBox<UnsafeRawPointer>, Int)
        /// Streaming: cancel the socket's multishot recv or accept (not its send).
        case cancelStream(Socket)
        /// Streaming: arm the accept loop again after a pause (descriptors ran out).
        case acceptLater(Socket)
        /// A task job to run on the loop thread (the loop is a `TaskExecutor`).
        case job(UnownedJob)
        /// A call to run on the loop thread.
        case call(@Sendable () -> Void)
    }

    /// What a streaming CQE was for; kept in the low bits of its user_data, next to the
    /// socket's address (objects are 16-byte aligned).
    enum StreamKind: UInt64 {
        case recv = 1, send = 2, accept = 3
        /// The pause of an accept loop ended.
        case acceptPause = 4
    }

    /// user_data of CQEs the loop ignores (linked timeouts, cancel requests).
    private static let ignored: UInt64 = 0
    /// user_data of the eventfd read that wakes the loop (not a valid object address).
    private static let wake: UInt64 = 8

    /// The provided-buffer ring streaming receives read into.
    static let bufferGroup: UInt16 = 1
    static let bufferCount: UInt32 = 128
    static let bufferSize = 64 * 1024
    private var bufferRing: UnsafeMutablePointer<io_uring_buf_ring>?
    private let buffers = UnsafeMutableRawPointer.allocate(byteCount: Int(bufferCount) * bufferSize, alignment: 4096)
    /// Sockets whose multishot recv stopped for lack of buffers. After each batch of
    /// completions (every buffer lent in it is back by then) as many are re-armed as buffers
    /// are in the ring, not more, which would only run dry again.
    private var starved: [Socket] = []
    /// The buffer lent to a handler now, and whether a write kept it (loop thread only).
    private var lent: (bid: UInt16, bytes: UnsafeRawBufferPointer)?
    private var lentKept = false
    /// Buffers in the ring, as far as the loop knows (taken by a CQE, given back by recycle).
    private var buffersInRing = Int(bufferCount)
    /// Buffers in the ring now (read on the loop thread).
    var freeBuffers: Int { buffersInRing }
    /// The pause of an accept loop (constant; the kernel reads it when the timeout starts).
    private let acceptPause: UnsafeMutablePointer<__kernel_timespec> = {
        let t = UnsafeMutablePointer<__kernel_timespec>.allocate(capacity: 1)
        let (s, atto) = AcceptLoopError.pauseDuration.components
        t.initialize(to: __kernel_timespec(tv_sec: s, tv_nsec: atto / 1_000_000_000))
        return t
    }()
    /// Ended operations kept for reuse (taken by callers' threads, so behind a lock).
    private let spareOperations = Lock<[URingOperation]>([])
    private static let spareOperationLimit = 64
    /// Called on the loop thread with each streaming CQE.
    var onStream: ((StreamKind, Socket, Int32, UInt32) -> Void)?

    private var ring = io_uring()
    private let wakeFD: Int32
    private let wakeBuffer = UnsafeMutablePointer<UInt64>.allocate(capacity: 1)
    private let commands = Lock<[Command]>([])
    private var thread = pthread_t()
    private let onCompletion: (URingOperation, Int32) -> Void

    /// Starts the loop thread and sets up its ring there; throws the setup error.
    init(flags: UInt32, entries: UInt32 = 1024, name: String,
         onCompletion: @escaping (URingOperation, Int32) -> Void) throws(SocketError) {
        self.onCompletion = onCompletion
        let efd: Int32
        do throws(Errno) { efd = try sysEventfd(nonblocking: false) } catch { throw .errno(error) }
        wakeFD = efd
        let ready = DispatchSemaphore(value: 0)
        let setup = Lock<Int32>(0)
        let box = UncheckedBox(self)
        LoopThread.start(name: name) {
            let loop = box.value
            loop.thread = pthread_self()
            var params = io_uring_params()
            params.flags = flags
            let r = io_uring_queue_init_params(entries, &loop.ring, &params)
            // Without provided-buffer rings (before Linux 5.19) only streaming is unavailable.
            if r == 0 { _ = loop.setUpBufferRing() }
            setup.withLock { $0 = r }
            ready.signal()
            if r == 0 { loop.run() }
        }
        ready.wait()
        let r = setup.withLock { $0 }
        if r < 0 {
            sysClose(efd)
            throw .invalid(.backend("io_uring setup failed: " + URingProbe.explain(Errno(rawValue: -r))))
        }
    }

    private func setUpBufferRing() -> Int32 {
        var err: Int32 = 0
        guard let br = esock_setup_buf_ring(&ring, Self.bufferCount, Self.bufferGroup, &err) else { return err }
        bufferRing = br
        for bid in 0..<Int(Self.bufferCount) {
            io_uring_buf_ring_add(br, buffers + bid * Self.bufferSize, UInt32(Self.bufferSize), UInt16(bid),
                                  io_uring_buf_ring_mask(Self.bufferCount), Int32(bid))
        }
        io_uring_buf_ring_advance(br, Int32(Self.bufferCount))
        return 0
    }

    /// Whether streaming receives can use a provided-buffer ring.
    var hasBufferRing: Bool { bufferRing != nil }

    /// The bytes of provided buffer `bid`.
    func buffer(_ bid: UInt16, count: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: buffers + Int(bid) * Self.bufferSize, count: count)
    }

    /// Gives buffer `bid` back to the kernel.
    func recycle(_ bid: UInt16) {
        guard let br = bufferRing else { return }
        io_uring_buf_ring_add(br, buffers + Int(bid) * Self.bufferSize, UInt32(Self.bufferSize), bid,
                              io_uring_buf_ring_mask(Self.bufferCount), 0)
        io_uring_buf_ring_advance(br, 1)
        buffersInRing += 1
    }

    /// Keeps an ended operation, with its receive memory, for ``reusableOperation()``.
    private func recycle(_ op: URingOperation) {
        op.clear()
        spareOperations.withLock { spare in
            if spare.count < Self.spareOperationLimit { spare.append(op) }
        }
    }

    /// An ended operation to set up again, if one is kept: steady traffic then allocates no
    /// operations and no receive buffers.
    func reusableOperation() -> URingOperation? {
        spareOperations.withLock { $0.popLast() }
    }

    /// Lends provided buffer `bid` to a handler: its first `count` bytes, valid until
    /// ``endLoan()`` unless a write keeps them (``borrow(_:)``).
    func lend(_ bid: UInt16, count: Int) -> UnsafeRawBufferPointer {
        let bytes = buffer(bid, count: count)
        lent = (bid, bytes)
        lentKept = false
        return bytes
    }

    /// Ends the current loan: true when a write kept the buffer (its send gives it back).
    func endLoan() -> Bool {
        lent = nil
        return lentKept
    }

    /// The buffer to send `bytes` from without a copy: when the caller is this loop's thread,
    /// inside a handler's loan, `bytes` lie in the lent buffer and nothing has kept it yet.
    /// The buffer is then kept: the caller gives it back (``recycle(_:)``) once it is sent.
    func borrow(_ bytes: UnsafeRawBufferPointer) -> UInt16? {
        // The thread first: the loan is the loop thread's alone, so another thread must not
        // even read it.
        guard pthread_equal(pthread_self(), thread) != 0, let (bid, range) = lent, !lentKept,
              let start = bytes.baseAddress, let lo = range.baseAddress,
              start >= lo, start + bytes.count <= lo + range.count else { return nil }
        lentKept = true
        return bid
    }

    /// Parks `socket` until buffers are back (its recv ended with ENOBUFS).
    func starve(_ socket: Socket) { starved.append(socket) }

    /// Re-arms parked sockets, one per buffer in the ring, oldest first.
    private func feedStarved() {
        var n = min(starved.count, buffersInRing)
        while n > 0, !starved.isEmpty {
            let s = starved.removeFirst()
            n -= 1
            prepare(.recvMultishot(s))
        }
    }

    /// Queues a command for the loop thread and wakes it when needed.
    func send(_ command: Command) {
        let first = commands.withLock { c -> Bool in
            c.append(command)
            return c.count == 1
        }
        // The loop drains the queue before it sleeps again, so only the first command after
        // a drain needs to wake it, and never when the loop itself is the sender.
        if first && pthread_equal(pthread_self(), thread) == 0 { sysEventfdSignal(wakeFD) }
    }

    /// A free submission entry. When the queue is full it submits; when the kernel refuses
    /// (its completion queue is full), it handles completions first and backs off rather
    /// than spin.
    private func sqe() -> UnsafeMutablePointer<io_uring_sqe> {
        var refused = 0
        while true {
            if let s = io_uring_get_sqe(&ring) { return s }
            if uringSubmit(&ring) < 0 {
                refused += 1
                reapCompletions()
                if refused > 2 { usleep(UInt32(min(refused, 10)) * 1000) }
            }
        }
    }

    private func armWake() {
        let s = sqe()
        io_uring_prep_read(s, wakeFD, wakeBuffer, 8, 0)
        io_uring_sqe_set_data64(s, Self.wake)
    }

    private func prepare(_ command: Command) {
        switch command {
        case .submit(let op):
            let data = UInt64(UInt(bitPattern: Unmanaged.passRetained(op).toOpaque()))
            if let res = injectedCompletion(.operation, op.socket.fileDescriptor) {
                synthetic.append((data, res, 0))
                return
            }
            let deadline = op.waiter.deadline
            // The operation and its linked timeout must go in one submission.
            if deadline != nil && io_uring_sq_space_left(&ring) < 2 { _ = uringSubmit(&ring) }
            let s = sqe()
            op.prepare(s)
            io_uring_sqe_set_data64(s, data)
            if let deadline {
                s.pointee.flags |= esock_iosqe_io_link
                let t = sqe()
                io_uring_prep_link_timeout(t, op.timeout(until: deadline), 0)
                io_uring_sqe_set_data64(t, Self.ignored)
            }
        case .cancel(let op):
            let s = sqe()
            io_uring_prep_cancel64(s, UInt64(UInt(bitPattern: Unmanaged.passUnretained(op).toOpaque())), 0)
            io_uring_sqe_set_data64(s, Self.ignored)
        case .cancelDescriptor(let fd):
            let s = sqe()
            io_uring_prep_cancel_fd(s, fd, UInt32(esock_async_cancel_all))
            io_uring_sqe_set_data64(s, Self.ignored)
        case .recvMultishot(let socket):
            if let res = injectedCompletion(.streamRecv, socket.fileDescriptor) {
                synthetic.append((Self.tag(socket, .recv), res, 0))
                return
            }
            let s = sqe()
            esock_prep_recv_multishot(s, socket.fileDescriptor, Self.bufferGroup)
            io_uring_sqe_set_data64(s, Self.tag(socket, .recv))
        case .acceptMultishot(let socket):
            if let res = injectedCompletion(.streamAccept, socket.fileDescriptor) {
                synthetic.append((Self.tag(socket, .accept), res, 0))
                return
            }
            let s = sqe()
            io_uring_prep_multishot_accept(s, socket.fileDescriptor, nil, nil, sockCloexec)
            io_uring_sqe_set_data64(s, Self.tag(socket, .accept))
        case .cancelStream(let socket):
            let base = UInt64(UInt(bitPattern: Unmanaged.passUnretained(socket).toOpaque()))
            for kind in [StreamKind.recv, .accept] {
                let s = sqe()
                io_uring_prep_cancel64(s, base | kind.rawValue, 0)
                io_uring_sqe_set_data64(s, Self.ignored)
            }
        case .acceptLater(let socket):
            let s = sqe()
            io_uring_prep_timeout(s, acceptPause, 0, 0)
            io_uring_sqe_set_data64(s, Self.tag(socket, .acceptPause))
        case .job(let job):
            job.runSynchronously(on: asUnownedTaskExecutor())
        case .call(let body):
            body()
        case .send(let socket, let base, var count):
            switch injectedStreamSend(socket.fileDescriptor, count: count) {
            case .complete(let res)?:
                synthetic.append((Self.tag(socket, .send), res, 0))
                return
            case .submit(let n)?:
                count = n
            case nil:
                break
            }
            let s = sqe()
            io_uring_prep_send(s, socket.fileDescriptor, base.value, count, msgNoSignal)
            io_uring_sqe_set_data64(s, Self.tag(socket, .send))
        }
    }

    private let batch = 256
    /// Completions injected by the fault seam instead of submissions: (user_data, res, flags).
    private var synthetic: [(UInt64, Int32, UInt32)] = []
    private let cqes = UnsafeMutablePointer<UnsafeMutablePointer<io_uring_cqe>?>.allocate(capacity: 256)

    private func run() {
        armWake()
        var pending: [Command] = []
        while true {
            // Jobs and handlers queue more commands; drain until none is left before sleeping.
            while true {
                commands.withLock { swap(&pending, &$0) }
                if pending.isEmpty { break }
                for c in pending { prepare(c) }
                pending.removeAll(keepingCapacity: true)
            }
            // Injected completions are handled without waiting for a real one.
            let r = synthetic.isEmpty ? uringSubmitAndWait(&ring, 1) : uringSubmit(&ring)
            if r < 0 && r != -EINTR && r != -EBUSY && r != -EAGAIN && r != -ETIME {
                // Nothing sensible is left to do for an unusable ring but not to spin.
                usleep(1000)
            }
            reapCompletions()
        }
    }

    /// Handles every completion waiting in the ring (and injected ones), then re-arms
    /// starved receives.
    private func reapCompletions() {
        while !synthetic.isEmpty {
            let (data, res, flags) = synthetic.removeFirst()
            handle(data, res, flags)
        }
        while true {
            let n = Int(esock_peek_batch(&ring, cqes, UInt32(batch)))
            if n == 0 { break }
            for i in 0..<n {
                let cqe = cqes[i]!
                handle(cqe.pointee.user_data, cqe.pointee.res, cqe.pointee.flags)
            }
            io_uring_cq_advance(&ring, UInt32(n))
        }
        if !starved.isEmpty { feedStarved() }
    }

    /// Handles one completion.
    private func handle(_ data: UInt64, _ res: Int32, _ flags: UInt32) {
        switch data {
        case Self.ignored: break
        case Self.wake: armWake()
        case _ where data & 7 != 0:
            // A streaming operation: the socket stays retained until its last CQE (a
            // multishot one has F_MORE set until then).
            let ptr = UnsafeRawPointer(bitPattern: UInt(data & ~7))!
            let more = flags & esock_cqe_f_more != 0
            let ref = Unmanaged<Socket>.fromOpaque(ptr)
            let socket = more ? ref.takeUnretainedValue() : ref.takeRetainedValue()
            if flags & esock_cqe_f_buffer != 0 { buffersInRing -= 1 }
            onStream?(StreamKind(rawValue: data & 7)!, socket, res, flags)
        default:
            var op = Unmanaged<URingOperation>.fromOpaque(UnsafeRawPointer(bitPattern: UInt(data))!)
                .takeRetainedValue()
            onCompletion(op, res)
            // Nothing else refers to an operation that has ended (a resubmitted one, or one
            // a queued cancel names, is referred to by that command): keep it for reuse.
            if isKnownUniquelyReferenced(&op) { recycle(op) }
        }
    }
}

/// Tasks that prefer this executor run on the loop thread itself, so a completion resumes
/// its awaiting task without a hop to another thread.
extension URingLoop: TaskExecutor {
    func enqueue(_ job: consuming ExecutorJob) {
        send(.job(UnownedJob(job)))
    }
}

extension URingLoop {
    /// The user_data of a streaming operation on `socket`; retains the socket until the
    /// operation's last CQE.
    static func tag(_ socket: Socket, _ kind: StreamKind) -> UInt64 {
        UInt64(UInt(bitPattern: Unmanaged.passRetained(socket).toOpaque())) | kind.rawValue
    }
}

/// Carries a non-Sendable reference into the loop thread that owns it from then on.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
