/// The socket API of Erlang/OTP's `socket` module, implemented by each backend.
///
/// Every call that can wait comes in two forms:
/// - awaiting, with a ``Timeout`` (`.infinity` by default): suspends the calling task (never
///   a loop thread) until the operation is done, failed, or timed out (the operation is then
///   cancelled and ``SocketError/timeout`` thrown, with any partial data);
/// - `nowait:`, with the caller's ``Mailbox``: never blocks; returns the result at once when
///   it is there, or a ``Nowait/select(_:partial:)`` (poll) or
///   ``Nowait/completion(_:partial:)`` (uring) and a message arrives in the mailbox later.
///
/// A socket belongs to the backend it was opened on; calls on it go to that backend through
/// any `SocketAPI` value.
public protocol SocketAPI: Sendable {
    /// The backend in use: `.uring` or `.poll`.
    var backend: Backend { get }
    /// The backend in use, what was asked for, and why.
    func info() -> BackendInfo
    /// An executor that runs tasks on the backend's loop thread. A task that prefers it
    /// (`Task(executorPreference: api.executor) { ... }`) is resumed by its socket's
    /// messages without a hop between threads: the fastest way to run awaiting calls. Keep
    /// such tasks short between awaits: they share the thread with every socket's I/O.
    var executor: any TaskExecutor { get }
    /// What ESock knows about `socket`: kind, owner, states, queues and counters.
    func info(_ socket: Socket) -> SocketInfo

    /// Opens a socket (OTP's `open/2,3,4`).
    func open(_ domain: Domain, _ type: SocketType, _ protocol: SocketProtocol,
              options: OpenOptions) throws(SocketError) -> Socket
    /// Wraps an existing socket descriptor (OTP's `open/1,2` with an `FD`): its domain, type
    /// and protocol are read from the kernel, and its states (bound, listening, connected)
    /// from what it is. With `dup` (OTP's default) ESock works on a duplicate and the
    /// caller keeps `descriptor`; without it ESock owns `descriptor` and closes it.
    func open(descriptor: Int32, dup: Bool, options: OpenOptions) throws(SocketError) -> Socket
    /// Binds `socket` to `address`.
    func bind(_ socket: Socket, _ address: SocketAddress) throws(SocketError)
    /// Makes `socket` listen with `backlog` pending connections (OTP's default is 5).
    func listen(_ socket: Socket, backlog: Int) throws(SocketError)

    /// Accepts a connection.
    func accept(_ socket: Socket, timeout: Timeout) async throws(SocketError) -> Socket
    /// Accepts a connection without blocking.
    func accept(_ socket: Socket, nowait caller: Mailbox, handle: Handle?) throws(SocketError) -> Nowait<Socket>

    /// Connects `socket` to `address`.
    func connect(_ socket: Socket, _ address: SocketAddress, timeout: Timeout) async throws(SocketError)
    /// Starts connecting without blocking.
    func connect(_ socket: Socket, _ address: SocketAddress, nowait caller: Mailbox,
                 handle: Handle?) throws(SocketError) -> Nowait<Void>
    /// Finishes a `nowait` connect after its `select` message (OTP's `connect/1`).
    func connect(_ socket: Socket) throws(SocketError)

    /// Sends `count` bytes of the open file `file` from `offset` (0: to the end of the file)
    /// on a connected stream socket, through the kernel (OTP's `sendfile/2..5`): poll uses
    /// sendfile(2), uring splices through a pipe. Returns the bytes sent: fewer than `count`
    /// only when the file ends first. The file's own offset is not moved.
    func sendfile(_ socket: Socket, file: Int32, offset: Int, count: Int, timeout: Timeout) async throws(SocketError) -> Int
    /// sendfile without blocking: `.ok(n)` when done; on poll a partial write carries the
    /// bytes sent so far (call again with the offset and count advanced by them after
    /// `select`); on uring the completion's `.sent(n)` is the whole result.
    func sendfile(_ socket: Socket, file: Int32, offset: Int, count: Int, nowait caller: Mailbox,
                  handle: Handle?) throws(SocketError) -> Nowait<Int>
    /// Sends all of `data` on a connected socket.
    func send(_ socket: Socket, _ data: [UInt8], flags: MessageFlags, timeout: Timeout) async throws(SocketError)
    /// Sends without blocking; `.ok(n)` when all was written, else the bytes written so far
    /// are the `partial` value.
    func send(_ socket: Socket, _ data: [UInt8], flags: MessageFlags, nowait caller: Mailbox,
              handle: Handle?) throws(SocketError) -> Nowait<Int>
    /// Sends a datagram to `address`.
    func sendto(_ socket: Socket, _ data: [UInt8], to address: SocketAddress, flags: MessageFlags,
                timeout: Timeout) async throws(SocketError)
    /// Sends a datagram without blocking.
    func sendto(_ socket: Socket, _ data: [UInt8], to address: SocketAddress, flags: MessageFlags,
                nowait caller: Mailbox, handle: Handle?) throws(SocketError) -> Nowait<Int>
    /// Sends a message with several buffers (and ancillary data) in one call.
    func sendmsg(_ socket: Socket, _ message: OutgoingMessage, flags: MessageFlags,
                 timeout: Timeout) async throws(SocketError)
    /// Sends a message without blocking.
    func sendmsg(_ socket: Socket, _ message: OutgoingMessage, flags: MessageFlags,
                 nowait caller: Mailbox, handle: Handle?) throws(SocketError) -> Nowait<Int>

    /// Receives: `length` 0 returns what is there (at least one byte); N > 0 on a stream
    /// returns exactly N bytes unless the peer closes or the timeout passes.
    func recv(_ socket: Socket, length: Int, flags: MessageFlags, timeout: Timeout) async throws(SocketError) -> [UInt8]
    /// Receives without blocking.
    func recv(_ socket: Socket, length: Int, flags: MessageFlags, nowait caller: Mailbox,
              handle: Handle?) throws(SocketError) -> Nowait<[UInt8]>
    /// Receives a datagram and its source.
    func recvfrom(_ socket: Socket, length: Int, flags: MessageFlags, timeout: Timeout) async throws(SocketError) -> Datagram
    /// Receives a datagram without blocking.
    func recvfrom(_ socket: Socket, length: Int, flags: MessageFlags, nowait caller: Mailbox,
                  handle: Handle?) throws(SocketError) -> Nowait<Datagram>
    /// Receives a message into buffers of `bufferSizes` bytes (0: the socket's default),
    /// with up to `controlSize` bytes of ancillary data.
    func recvmsg(_ socket: Socket, bufferSizes: [Int], controlSize: Int, flags: MessageFlags,
                 timeout: Timeout) async throws(SocketError) -> ReceivedMessage
    /// Receives a message without blocking.
    func recvmsg(_ socket: Socket, bufferSizes: [Int], controlSize: Int, flags: MessageFlags,
                 nowait caller: Mailbox, handle: Handle?) throws(SocketError) -> Nowait<ReceivedMessage>

    /// Shuts down reading, writing or both.
    func shutdown(_ socket: Socket, _ how: ShutdownHow) throws(SocketError)
    /// Closes the socket. Every caller waiting on it gets `abort(closed)`; later calls give
    /// `closed` (closing again too).
    func close(_ socket: Socket) throws(SocketError)
    /// The local address.
    func sockname(_ socket: Socket) throws(SocketError) -> SocketAddress
    /// The peer's address.
    func peername(_ socket: Socket) throws(SocketError) -> SocketAddress

    /// Sets an option, validated against ESock's option table before the kernel sees it.
    func setopt(_ socket: Socket, _ option: SocketOption, _ value: OptionValue) throws(SocketError)
    /// Reads an option.
    func getopt(_ socket: Socket, _ option: SocketOption) throws(SocketError) -> OptionValue

    /// Cancels `caller`'s pending operation: afterwards no message of it is in, or will
    /// reach, the mailbox. Throws `invalid(info)` when the caller has no such operation.
    func cancel(_ socket: Socket, _ info: PendingInfo, caller: Mailbox) throws(SocketError)
}

/// A received datagram and where it came from.
public struct Datagram: Sendable {
    /// The sender, when the kernel reported one.
    public var source: SocketAddress?
    /// The data.
    public var data: [UInt8]

    public init(source: SocketAddress?, data: [UInt8]) {
        self.source = source
        self.data = data
    }
}

/// Options for ``SocketAPI/open(_:_:_:options:)``.
public struct OpenOptions: Sendable {
    /// Register this socket (nil: the registry's default).
    public var useRegistry: Bool?
    /// A label, shown by `info` and usable as a registry filter.
    public var label: String
    /// The caller that owns the socket (OTP's controlling process): only it may hand the
    /// socket on (``SocketAPI/setOwner(_:to:caller:)``), and its end closes the socket. Nil:
    /// no owner (the first `setOwner` claims the socket).
    public var owner: Mailbox?
    /// The loop of the API's group the socket belongs to (taken modulo the number of loops);
    /// nil spreads new sockets over the loops in turn.
    public var loop: Int?
    /// The network namespace to create the socket in (OTP's `netns` open option): a path
    /// such as `/var/run/netns/NAME` (what `ip netns add NAME` makes). The socket stays in
    /// that namespace; the calling thread returns to its own. Needs CAP_SYS_ADMIN.
    public var netns: String?

    /// Options for a new socket.
    public init(useRegistry: Bool? = nil, label: String = "", owner: Mailbox? = nil, loop: Int? = nil,
                netns: String? = nil) {
        self.useRegistry = useRegistry
        self.label = label
        self.owner = owner
        self.loop = loop
        self.netns = netns
    }

    /// Options with a label given as `owner` (the label's former name).
    @available(*, deprecated, renamed: "init(useRegistry:label:owner:loop:)")
    public init(useRegistry: Bool? = nil, owner label: String, loop: Int? = nil) {
        self.init(useRegistry: useRegistry, label: label, owner: nil, loop: loop)
    }
}

/// Returns the socket API for `backend` (default: `ESOCK_BACKEND`, else `.auto`).
///
/// `.auto` uses io_uring where the kernel and sandbox allow it and poll otherwise;
/// ``SocketAPI/info()`` says which and why. `.uring` throws `invalid(backend(reason))` where
/// io_uring is unavailable.
///
/// `loops` chooses the backend's loop group: nil for the process default
/// (``EventLoops/count``), or a number of loops (`1...EventLoops.limit`); each group starts
/// once and lives as long as the process. Sockets opened through the API are spread over its
/// loops, and so are connections accepted on them.
public func socketAPI(_ backend: Backend = .processDefault, loops: Int? = nil) throws(SocketError) -> any SocketAPI {
    try ESockAPI(backend, loops: loops)
}

/// ESock's implementation of ``SocketAPI`` for both backends: the argument checks, the
/// awaiting and `nowait` forms of each call and the calls that never wait are shared; only the
/// engine of each socket's loop differs between uring and poll.
public struct ESockAPI: SocketAPI {
    /// The loops sockets opened here are spread over.
    let group: LoopGroup
    /// The backend that was asked for (`.auto` included).
    let requested: Backend

    /// The API for `backend` on a group of `loops` loops (nil: ``EventLoops/count``).
    public init(_ backend: Backend = .processDefault, loops: Int? = nil) throws(SocketError) {
        if backend == .processDefault, let bad = Backend.invalidEnvironment {
            throw .invalid(.argument("ESOCK_BACKEND=\(bad) is not one of uring, poll, auto"))
        }
        let count: Int
        if let loops {
            guard (1...EventLoops.limit).contains(loops) else {
                throw .invalid(.argument("loop count must be in 1...\(EventLoops.limit), got \(loops)"))
            }
            count = loops
        } else {
            if case .failure(let e)? = EventLoops.environment { throw e }
            count = EventLoops.count
        }
        self.group = try Engines.resolve(backend, loops: count)
        self.requested = backend
    }

    /// The API of the group `socket` belongs to.
    init(of socket: Socket) {
        group = socket.engine.group
        requested = socket.engine.kind
    }

    /// The first loop's engine (the group's calls that concern no socket in particular).
    var engine: any Engine { group.engines[0] }

    /// Why this backend was chosen.
    var reason: String { Engines.reason(requested: requested, kind: group.kind) }
}

/// The io_uring implementation of ``SocketAPI``: ``ESockAPI`` serves both backends.
@available(*, deprecated, renamed: "ESockAPI")
public typealias URingSocketAPI = ESockAPI

/// The epoll implementation of ``SocketAPI``: ``ESockAPI`` serves both backends.
@available(*, deprecated, renamed: "ESockAPI")
public typealias PollSocketAPI = ESockAPI
