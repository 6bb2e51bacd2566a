import Synchronization

/// A socket: OTP's `socket()`. Usable from any task or thread; every call goes through the
/// backend the socket was opened on.
public final class Socket: Sendable, Hashable, CustomStringConvertible {
    /// The process-unique number of this socket (never reused, unlike descriptors).
    public let id: UInt64
    /// The socket's domain.
    public let domain: Domain
    /// The socket's type.
    public let type: SocketType
    /// The socket's protocol (`.default` resolved to what the kernel uses where known).
    public let `protocol`: SocketProtocol
    /// The file descriptor. It stays open until the socket is closed and, on uring, until
    /// every kernel operation on it has finished.
    public let fileDescriptor: Int32
    /// Whether the socket is in the ``SocketRegistry``.
    public let usesRegistry: Bool
    /// A caller-chosen label, shown by `info` and usable as a registry filter.
    public let label: String

    let engine: any Engine
    let state: Lock<SocketState>

    private static let ids = Atomic<UInt64>(1)

    init(fd: Int32, domain: Domain, type: SocketType, protocol: SocketProtocol,
         engine: any Engine, usesRegistry: Bool, label: String, owner: Mailbox?, connected: Bool = false) {
        self.id = Socket.ids.add(1, ordering: .relaxed).oldValue
        self.fileDescriptor = fd
        self.domain = domain
        self.type = type
        self.protocol = `protocol`
        self.engine = engine
        self.usesRegistry = usesRegistry
        self.label = label
        var st = SocketState()
        st.owner = owner
        if connected { st.writeStates.insert(.connected) }
        let kind = SocketKind(domain: domain, type: type, protocol: `protocol`)
        GlobalSocketCounters.opened(kind)
        st.counted = kind
        self.state = Lock(st)
        owner?.own(self)
    }

    /// Whether the socket has been closed.
    public var isClosed: Bool { state.withLock { $0.closed } }

    /// The backend this socket runs on (`.uring` or `.poll`).
    public var backend: Backend { engine.kind }

    public static func == (l: Socket, r: Socket) -> Bool { l === r }
    public func hash(into h: inout Hasher) { h.combine(id) }
    public var description: String { "#Socket<\(id):\(fileDescriptor)>" }

    deinit {
        // A socket dropped without close gives its descriptor back. Sockets with kernel
        // operations in flight (uring), streams or accept loops are kept alive by those, so
        // this never races the kernel or a loop.
        let fd = state.withLock { st -> Int32? in
            guard !st.descriptorClosed else { return nil }
            st.closed = true
            st.descriptorClosed = true
            st.outbox.release()
            return fileDescriptor
        }
        guard let fd else { return }
        if usesRegistry { SocketRegistry.remove(id: id) }
        engine.unwatch(id: id, fd: fd)
        sysClose(fd)
    }
}
