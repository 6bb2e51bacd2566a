import Synchronization
import Testing
@testable import ESock
#if canImport(Glibc)
import Glibc
#endif

/// A handler that counts (and optionally keeps) what arrives, and records how it ended.
final class CountingHandler: StreamHandler {
    let bytes = Lock<[ObjectIdentifier: Int]>([:])
    let ends = Lock<[SocketError]>([])
    let endedSockets = Lock<Set<UInt64>>([])
    /// Set while `received` runs; a second concurrent call, or a call after `ended`, is a bug.
    let inside = Atomic<Int>(0)
    let overlaps = Atomic<Int>(0)
    let closeInReceived: Bool
    let api: any SocketAPI

    init(api: any SocketAPI, closeInReceived: Bool = false) {
        self.api = api
        self.closeInReceived = closeInReceived
    }

    func received(_ b: UnsafeRawBufferPointer, on socket: Socket) {
        if inside.add(1, ordering: .sequentiallyConsistent).newValue > 1 { overlaps.add(1, ordering: .relaxed) }
        if endedSockets.withLock({ $0.contains(socket.id) }) { overlaps.add(1, ordering: .relaxed) }
        bytes.withLock { $0[ObjectIdentifier(socket), default: 0] += b.count }
        if closeInReceived { try? api.close(socket) }
        inside.subtract(1, ordering: .sequentiallyConsistent)
    }

    func ended(_ socket: Socket, reason: SocketError) {
        if inside.load(ordering: .sequentiallyConsistent) > 0 { overlaps.add(1, ordering: .relaxed) }
        if !endedSockets.withLock({ $0.insert(socket.id).inserted }) { overlaps.add(1, ordering: .relaxed) }
        ends.withLock { $0.append(reason) }
    }

    var total: Int { bytes.withLock { $0.values.reduce(0, +) } }
}

/// CPU time (user + system, in clock ticks) used so far by this process's threads whose
/// names start with `prefix` (a backend's loops are `esock-uring-0`, `esock-uring-1`, ...).
func threadTicks(named prefix: String) -> Int? {
    guard let dir = opendir("/proc/self/task") else { return nil }
    defer { closedir(dir) }
    var total: Int?
    while let e = readdir(dir) {
        let tid = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
        guard tid.first?.isNumber == true,
              let comm = try? readSmallFile("/proc/self/task/\(tid)/comm"),
              comm.split(separator: "\n").first.map({ $0.hasPrefix(prefix) }) == true,
              let stat = try? readSmallFile("/proc/self/task/\(tid)/stat"),
              let close = stat.lastIndex(of: ")") else { continue }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the command: state is field 3, utime 14 and stime 15 (1-based, whole line).
        guard fields.count > 12, let u = Int(fields[11]), let s = Int(fields[12]) else { return nil }
        total = (total ?? 0) + u + s
    }
    return total
}

/// The contents of a small text file (procfs).
func readSmallFile(_ path: String) throws -> String {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw Errno.current }
    defer { close(fd) }
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = read(fd, &buf, buf.count)
        if n <= 0 { break }
        out += buf[..<n]
    }
    return String(decoding: out, as: UTF8.self)
}

@Suite("Streaming: resources run dry, sends beside streams, loops that end")
struct StreamingRegressionTests {
    @Test("a plain send on a streaming socket gets its writable edges", arguments: TestBackends.all)
    func sendBesideStream(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { p.close() }
        let handler = CountingHandler(api: api)
        try api.stream(p.server, to: handler)
        let size = 8 << 20
        let data = patternBytes(11, size)
        async let sent: Void = api.send(p.server, data, timeout: .seconds(20))
        var got: [UInt8] = []
        got.reserveCapacity(size)
        while got.count < size {
            got += try await api.recv(p.client, length: 0, timeout: .seconds(20))
        }
        try await sent
        #expect(got == data)
    }

    @Test("streamed connections survive a dry buffer ring while the loop is busy", arguments: TestBackends.all)
    func dryBufferRing(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let l = try api.open(.inet, .stream, .tcp)
        defer { try? api.close(l) }
        try api.bind(l, .loopback)
        try api.listen(l, backlog: 64)
        let handler = CountingHandler(api: api)
        try api.acceptLoop(l) { s in try? api.stream(s, to: handler) }
        let addr = try api.sockname(l)
        let count = 16
        let each = 1 << 20
        // The clients run on the other backend's loop where there is one, so they keep
        // sending while this backend's loop is blocked.
        let other: Backend = backend == .uring ? .poll : .uring
        let peers = (try? socketAPI(other)) ?? api
        var clients: [Socket] = []
        defer { for c in clients { try? peers.close(c) } }
        for _ in 0..<count {
            let c = try peers.open(.inet, .stream, .tcp)
            try await peers.connect(c, addr, timeout: .seconds(5))
            clients.append(c)
        }
        #expect(await eventually { handler.bytes.withLock { _ in true } })
        // Block the loop threads while every client sends: the kernel fills every provided
        // buffer, and the multishot receives end with ENOBUFS.
        let blockers = TestBackends.loopExecutors(api).map { e in Task(executorPreference: e) { _ = usleep(300_000) } }
        try await withThrowingTaskGroup(of: Void.self) { g in
            for (i, c) in clients.enumerated() {
                g.addTask { try await peers.send(c, patternBytes(i, each), timeout: .seconds(20)) }
            }
            try await g.waitForAll()
        }
        for b in blockers { await b.value }
        let all = await eventually(.seconds(20)) { handler.total == count * each }
        #expect(all, "\(handler.total) of \(count * each) bytes arrived")
    }

    @Test("an accept loop whose listener is shut down ends, tells the user, and does not spin",
          arguments: TestBackends.all)
    func acceptLoopShutdown(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let l = try api.open(.inet, .stream, .tcp)
        defer { try? api.close(l) }
        try api.bind(l, .loopback)
        try api.listen(l, backlog: 8)
        let ended = Lock<[SocketError]>([])
        try api.acceptLoop(l, onEnd: { e in ended.withLock { $0.append(e) } }) { s in try? api.close(s) }
        try await Task.sleep(for: .milliseconds(20))
        try api.shutdown(l, .read)
        // poll learns of the shutdown from an edge; a connection attempt makes sure one comes.
        let c = try api.open(.inet, .stream, .tcp)
        defer { try? api.close(c) }
        _ = try? await api.connect(c, try api.sockname(l), timeout: .milliseconds(200))
        #expect(await eventually { ended.withLock { !$0.isEmpty } }, "the loop's end reaches the user")
        #expect(ended.withLock { $0.count <= 1 }, "the end is reported once")
        let thread = backend == .uring ? "esock-uring" : "esock-epoll"
        let before = threadTicks(named: thread)
        try await Task.sleep(for: .milliseconds(500))
        if let before, let after = threadTicks(named: thread) {
            // 500 ms is 50 ticks; a spinning loop uses nearly all of them.
            #expect(after - before < 25, "the loop thread used \(after - before) of 50 ticks")
        }
    }

    @Test("a socket dropped without close gives its descriptor back", arguments: TestBackends.all)
    func droppedSockets(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        var watch = DescriptorWatch()
        do {
            var sockets: [Socket] = []
            for i in 0..<200 {
                let s = try api.open(.inet, i % 2 == 0 ? .stream : .dgram, .default)
                sockets.append(s)
                let noted = watch.note(s)
                #expect(noted)
            }
            sockets.removeAll()
        }
        let gone = await eventually(.seconds(5)) { watch.stillOpen == 0 }
        #expect(gone, "\(watch.stillOpen) of 200 dropped sockets still hold their descriptor")
    }

    @Test("handler calls never overlap and nothing follows `ended`, closing from another thread",
          arguments: TestBackends.all)
    func handlerCallsDoNotOverlap(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let handler = CountingHandler(api: api)
        for round in 0..<20 {
            let p = try await StreamPair.make(api)
            try api.stream(p.server, to: handler)
            let chunk = patternBytes(round, 64 << 10)
            for _ in 0..<8 { try api.write(p.client, chunk) }
            try await Task.sleep(for: .milliseconds(Int.random(in: 0...3)))
            try api.close(p.server)
            p.close()
        }
        #expect(await eventually { handler.ends.withLock { $0.count } == 20 })
        #expect(handler.ends.withLock { $0.count } == 20, "ended is called once per stream")
        #expect(handler.overlaps.load(ordering: .relaxed) == 0)
    }
}

/// A handler that closes its socket on the loop thread as soon as any byte arrives.
final class CloseOnFirstByte: StreamHandler {
    let api: any SocketAPI
    init(api: any SocketAPI) { self.api = api }
    func received(_ bytes: UnsafeRawBufferPointer, on socket: Socket) { try? api.close(socket) }
    func ended(_ socket: Socket, reason: SocketError) {}
}

@Suite("Closing with SO_LINGER on a loop thread")
struct LingerCloseTests {
    @Test("a lingering close in a handler does not stop the loop serving other sockets",
          arguments: TestBackends.all)
    func lingerDoesNotBlockLoop(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let slow = try await StreamPair.make(api)
        defer { slow.close() }
        let other = try await StreamPair.make(api)
        defer { other.close() }
        try shrinkBuffers(api, sender: slow.server, receiver: slow.client)
        try api.setopt(slow.server, .linger, .linger(3))
        // Unacknowledged bytes: the peer does not read, so close(2) would wait for 3 s.
        try? await api.send(slow.server, patternBytes(0, 1 << 20), timeout: .milliseconds(300))
        try api.stream(slow.server, to: CloseOnFirstByte(api: api))
        try await api.send(slow.client, [1], timeout: .seconds(2))
        try await Task.sleep(for: .milliseconds(100))
        // The loop serves the other pair meanwhile (1 s is far beyond a loopback round trip).
        try api.stream(other.server, to: EchoHandler(api: api))
        for round in 0..<5 {
            try await api.send(other.client, [UInt8(round)], timeout: .seconds(1))
            #expect(try await api.recv(other.client, length: 1, timeout: .seconds(1)) == [UInt8(round)])
        }
    }
}

@Suite("Streaming right after a cancel")
struct StreamAfterCancelTests {
    @Test("stream() just after cancelling a pending receive works, and no byte is lost",
          arguments: TestBackends.all)
    func streamAfterCancel(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        for round in 0..<20 {
            let p = try await StreamPair.make(api)
            defer { p.close() }
            let mb = Mailbox()
            let r = try api.recv(p.server, length: 0, nowait: mb)
            let info = try #require(expectPending(r, backend, .recv))
            // Sometimes the bytes race the cancel: they must reach the handler either way.
            if round % 2 == 1 { try await api.send(p.client, Array("ab".utf8), timeout: .seconds(5)) }
            try api.cancel(p.server, info, caller: mb)
            let h = CountingHandler(api: api)
            try api.stream(p.server, to: h)
            try await api.send(p.client, Array("cdef".utf8), timeout: .seconds(5))
            let want = round % 2 == 1 ? 6 : 4
            #expect(await eventually { h.total == want }, "round \(round): \(h.total) of \(want) bytes")
            #expect(mb.count == 0)
        }
    }
}
