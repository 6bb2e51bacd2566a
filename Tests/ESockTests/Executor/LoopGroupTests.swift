
import Testing
@testable import ESock
#if canImport(Glibc)
import Glibc
#endif

/// The name of the calling thread (a loop's is `esock-uring-N` or `esock-epoll-N`).
func currentThreadName() -> String {
    ((try? readSmallFile("/proc/thread-self/comm")) ?? "").split(separator: "\n").first.map(String.init) ?? ""
}

/// The name of the loop thread `socket` belongs to, seen from a task on its executor.
func loopName(of socket: Socket) async -> String {
    await Task(executorPreference: socket.executor) { currentThreadName() }.value
}

/// A group of several loops per backend: sockets are spread over the loops, each socket's
/// executor, messages and stream handler run on its own loop, and every path works across
/// loops. (The whole suite also runs with `ESOCK_LOOPS=3`; see Scripts/test.sh.)
/// Serialized: these tests share one 3-loop group, and sockets opened by one would shift
/// the round-robin another one checks.
@Suite("Loop groups", .serialized)
struct LoopGroupTests {
    static let loops = 3

    func api(_ backend: Backend) throws -> (any SocketAPI)? {
        guard try TestBackends.api(backend) != nil else { return nil }
        return try socketAPI(backend, loops: Self.loops)
    }

    @Test("new sockets are spread over the loops, and info says how many", arguments: TestBackends.all)
    func openedSpread(backend: Backend) async throws {
        guard let api = try api(backend) else { return }
        #expect(api.info().loops == Self.loops)
        let prefix = backend == .uring ? "esock-uring-" : "esock-epoll-"
        var names = Set<String>()
        for _ in 0..<(2 * Self.loops) {
            let s = try api.open(.inet, .stream, .tcp)
            defer { try? api.close(s) }
            let name = await loopName(of: s)
            #expect(name.hasPrefix(prefix), "a socket's executor runs on its loop thread, not \(name)")
            names.insert(name)
        }
        #expect(names.count == Self.loops, "sockets landed on \(names.sorted())")
        // A chosen loop is kept.
        let pinned = try api.open(.inet, .stream, .tcp, options: OpenOptions(loop: 1))
        defer { try? api.close(pinned) }
        #expect(await loopName(of: pinned) == prefix + "1")
    }

    @Test("accepted connections are spread over the loops and echo on each path", arguments: TestBackends.all)
    func acceptedSpread(backend: Backend) async throws {
        guard let api = try api(backend) else { return }
        let l = try api.open(.inet, .stream, .tcp, options: OpenOptions(loop: 0))
        defer { try? api.close(l) }
        try api.bind(l, .loopback)
        try api.listen(l, backlog: 16)
        let addr = try api.sockname(l)
        var names = Set<String>()
        for i in 0..<(2 * Self.loops) {
            let c = try api.open(.inet, .stream, .tcp)
            defer { try? api.close(c) }
            async let accepted = api.accept(l, timeout: .seconds(10))
            try await api.connect(c, addr, timeout: .seconds(10))
            let s = try await accepted
            defer { try? api.close(s) }
            names.insert(await loopName(of: s))
            // An awaiting echo on the connection's own loop, a nowait one from here.
            let server = Task(executorPreference: s.executor) {
                try await api.send(s, try await api.recv(s, length: 4, timeout: .seconds(10)))
            }
            let message = patternBytes(i, 4)
            try await api.send(c, message)
            try await server.value
            #expect(try await api.recv(c, length: 4, timeout: .seconds(10)) == message)
            let mailbox = Mailbox()
            try await api.send(c, message)
            var got: [UInt8] = []
            for _ in 0..<10 where got.count < 4 {
                switch try api.recv(s, length: 4 - got.count, nowait: mailbox) {
                case .ok(let d): got += d
                case .select(_, let partial): got += partial ?? []; _ = await mailbox.receive(timeout: .seconds(10))
                case .completion(_, let partial):
                    got += partial ?? []
                    if case .completion(_, _, .data(let d))? = await mailbox.receive(timeout: .seconds(10)) { got += d }
                }
            }
            #expect(got == message)
        }
        #expect(names.count > 1, "every connection landed on \(names.sorted())")
    }

    @Test("stream handlers run on their socket's loop", arguments: TestBackends.all)
    func streamOnOwnLoop(backend: Backend) async throws {
        guard let api = try api(backend) else { return }
        final class Recorder: StreamHandler, @unchecked Sendable {
            let seen = Lock<[String: (thread: String, bytes: Int)]>([:])
            func received(_ bytes: UnsafeRawBufferPointer, on socket: Socket) {
                let t = currentThreadName()
                seen.withLock { $0["\(socket.id)", default: (t, 0)].bytes += bytes.count }
            }
            func ended(_ socket: Socket, reason: SocketError) {}
        }
        let recorder = Recorder()
        var pairs: [StreamPair] = []
        defer { for p in pairs { p.close() } }
        var expected: [String: String] = [:]
        for _ in 0..<Self.loops {
            let p = try await StreamPair.make(api)
            pairs.append(p)
            expected["\(p.server.id)"] = await loopName(of: p.server)
            try api.stream(p.server, to: recorder)
            try await api.send(p.client, patternBytes(0, 1000))
        }
        #expect(await eventually { recorder.seen.withLock { $0.values.allSatisfy { $0.bytes == 1000 } && $0.count == Self.loops } })
        for (id, entry) in recorder.seen.withLock({ $0 }) {
            #expect(entry.thread == expected[id], "socket \(id)'s handler ran on \(entry.thread)")
        }
    }

    @Test("a bad loop count is a typed error")
    func badCounts() throws {
        #expect(throws: SocketError.self) { try socketAPI(.poll, loops: 0) }
        #expect(throws: SocketError.self) { try socketAPI(.poll, loops: EventLoops.limit + 1) }
        #expect(throws: SocketError.self) { try EventLoops.configure(count: -1) }
        #expect(EventLoops.availableCPUs >= 1)
    }
}
