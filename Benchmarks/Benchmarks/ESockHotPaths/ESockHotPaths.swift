// In-process microbenchmarks of ESock's hot paths, with malloc counts: one 64-byte echo round
// trip per iteration against an ESock server on loopback. The client is a plain blocking
// POSIX socket, so what allocates is ESock's side alone.
import Benchmark
import ESock
#if canImport(Glibc)
import Glibc
#endif

/// Echoes on the loop thread through the streaming fast path.
final class Echo: StreamHandler {
    let api: any SocketAPI
    init(api: any SocketAPI) { self.api = api }
    func received(_ bytes: UnsafeRawBufferPointer, on socket: Socket) { try? api.write(socket, bytes) }
    func ended(_ socket: Socket, reason: SocketError) { try? api.close(socket) }
}

/// A listening ESock server on `backend` with the given per-connection setup.
func server(_ backend: Backend, _ serve: @escaping @Sendable (any SocketAPI, Socket) -> Void) throws -> UInt16 {
    let api = try socketAPI(backend)
    let l = try api.open(.inet, .stream, .tcp)
    try api.bind(l, .loopback)
    try api.listen(l, backlog: 16)
    try api.acceptLoop(l) { s in serve(api, s) }
    return try api.sockname(l).port!
}

/// A blocking POSIX client connected to 127.0.0.1:`port`.
func client(_ port: UInt16) -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var one: Int32 = 1
    setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, 4)
    var a = sockaddr_in()
    a.sin_family = sa_family_t(AF_INET)
    a.sin_port = port.bigEndian
    a.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
    _ = withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, 16) } }
    return fd
}

/// One round trip of `n` bytes.
func roundTrip(_ fd: Int32, _ buf: UnsafeMutableRawBufferPointer) {
    _ = send(fd, buf.baseAddress, buf.count, 0)
    var got = 0
    while got < buf.count {
        let r = recv(fd, buf.baseAddress! + got, buf.count - got, 0)
        if r <= 0 { return }
        got += r
    }
}

/// Serves nowait-style: Erlang-shaped calls and a mailbox, on the loop executor.
func nowaitEcho(_ api: any SocketAPI, _ s: Socket) {
    Task(executorPreference: api.executor) {
        let mailbox = Mailbox()
        while true {
            var data: [UInt8]
            switch try api.recv(s, length: 0, nowait: mailbox) {
            case .ok(let d): data = d
            case .select:
                _ = await mailbox.receive()
                continue
            case .completion:
                guard case .completion(_, _, .data(let d))? = await mailbox.receive() else { return }
                data = d
            }
            if case .completion = try api.send(s, data, nowait: mailbox) { _ = await mailbox.receive() }
        }
    }
}

let benchmarks: @Sendable () -> Void = {
    // A thousand round trips per sample over one connection made once per benchmark, so the
    // counts are per round trip of a warm connection (the "*" metrics are per iteration).
    let metrics: [BenchmarkMetric] = [.wallClock, .cpuTotal, .mallocCountTotal, .syscalls]
    let config = Benchmark.Configuration(metrics: metrics, scalingFactor: .kilo, maxDuration: .seconds(3),
                                         maxIterations: 200)
    let paths: [(String, @Sendable (any SocketAPI, Socket) -> Void)] = [
        ("stream", { api, s in try? api.stream(s, to: Echo(api: api)) }),
        ("nowait", nowaitEcho),
    ]
    for backend in [Backend.uring, .poll] {
        guard (try? socketAPI(backend)) != nil else { continue }
        for (name, serve) in paths {
            guard let port = try? server(backend, serve) else { continue }
            let fd = client(port)
            let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 8)
            for _ in 0..<1000 { roundTrip(fd, buf) }  // warm up: buffers and outbox grown
            let box = UncheckedFD(fd: fd, buf: buf)
            Benchmark("\(name) echo 64 B (\(backend.rawValue))", configuration: config) { benchmark in
                for _ in benchmark.scaledIterations { roundTrip(box.fd, box.buf) }
            }
        }
    }
}

/// The client's descriptor and buffer, shared with the benchmark closure.
struct UncheckedFD: @unchecked Sendable {
    let fd: Int32
    let buf: UnsafeMutableRawBufferPointer
}
