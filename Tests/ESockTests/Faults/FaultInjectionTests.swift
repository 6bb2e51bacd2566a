import Synchronization
import Testing
@testable import ESock
#if canImport(Glibc)
import Glibc
#endif

/// Error paths driven on purpose through the system-call layer's fault seam: the kernel is
/// not asked, the call fails the way it would have. Each case arms faults for its own
/// descriptors only (tests run in parallel) and clears them before closing.
@Suite("Fault seam: every error path on purpose")
struct FaultInjectionTests {
    /// Where a failing accept is injected: poll calls accept(2); uring completes the kernel
    /// operation with the error.
    static func failAccept(_ backend: Backend, _ fd: Int32, _ e: Errno, times: Int = 1) {
        if backend == .poll {
            FaultInjection.inject(.errno(e), at: .accept, fd: fd, times: times)
        } else {
            FaultInjection.inject(.errno(e), at: .completion(.operation), fd: fd, times: times)
        }
    }

    @Test("accept failing with EMFILE reports emfile; the connection is accepted next time",
          arguments: TestBackends.all)
    func acceptEMFILE(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let l = try api.open(.inet, .stream, .tcp)
        defer { FaultInjection.clear(fd: l.fileDescriptor); try? api.close(l) }
        try api.bind(l, .loopback)
        try api.listen(l, backlog: 8)
        let c = try api.open(.inet, .stream, .tcp)
        defer { try? api.close(c) }
        try await api.connect(c, try api.sockname(l), timeout: .seconds(5))
        Self.failAccept(backend, l.fileDescriptor, .emfile)
        await #expect(throws: SocketError.errno(.emfile)) { _ = try await api.accept(l, timeout: .seconds(5)) }
        let s = try await api.accept(l, timeout: .seconds(5))
        try? api.close(s)
        #expect(api.info(l).counters.accFails >= 1)
    }

    @Test("an accept loop that runs out of descriptors pauses and goes on", arguments: TestBackends.all)
    func acceptLoopEMFILE(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let l = try api.open(.inet, .stream, .tcp)
        defer { FaultInjection.clear(fd: l.fileDescriptor); try? api.close(l) }
        try api.bind(l, .loopback)
        try api.listen(l, backlog: 8)
        if backend == .poll {
            FaultInjection.inject(.errno(.emfile), at: .accept, fd: l.fileDescriptor, times: 2)
        } else {
            FaultInjection.inject(.errno(.emfile), at: .completion(.streamAccept), fd: l.fileDescriptor, times: 2)
        }
        let accepted = Lock<[Socket]>([])
        let ended = Lock<[SocketError]>([])
        try api.acceptLoop(l, onEnd: { e in ended.withLock { $0.append(e) } }) { s in accepted.withLock { $0.append(s) } }
        let c = try api.open(.inet, .stream, .tcp)
        defer { try? api.close(c) }
        try await api.connect(c, try api.sockname(l), timeout: .seconds(5))
        #expect(await eventually { accepted.withLock { $0.count } == 1 })
        #expect(ended.withLock { $0.isEmpty }, "exhaustion does not end the loop")
        #expect(FaultInjection.pending(fd: l.fileDescriptor) == 0)
        for s in accepted.withLock({ $0 }) { try? api.close(s) }
    }

    @Test("an interrupted recv (EINTR) is retried and loses nothing", arguments: TestBackends.all)
    func recvEINTR(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { FaultInjection.clear(fd: p.server.fileDescriptor); p.close() }
        try await api.send(p.client, Array("hello".utf8), timeout: .seconds(5))
        try await Task.sleep(for: .milliseconds(20))
        FaultInjection.inject(.errno(.eintr), at: .recv, fd: p.server.fileDescriptor, times: 3)
        #expect(try await api.recv(p.server, length: 5, timeout: .seconds(5)) == Array("hello".utf8))
    }

    @Test("a recv that gets EAGAIN waits, and takes every byte when more arrives", arguments: TestBackends.all)
    func recvEAGAIN(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { FaultInjection.clear(fd: p.server.fileDescriptor); p.close() }
        try await api.send(p.client, Array("abc".utf8), timeout: .seconds(5))
        try await Task.sleep(for: .milliseconds(20))
        FaultInjection.inject(.errno(.eagain), at: .recv, fd: p.server.fileDescriptor)
        async let got = api.recv(p.server, length: 6, timeout: .seconds(5))
        try await Task.sleep(for: .milliseconds(50))
        try await api.send(p.client, Array("def".utf8), timeout: .seconds(5))
        #expect(try await got == Array("abcdef".utf8))
    }

    @Test("short writes continue where they stopped: every byte once, in order", arguments: TestBackends.all)
    func shortWrites(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { FaultInjection.clear(fd: p.client.fileDescriptor); p.close() }
        let data = patternBytes(17, 100_000)
        FaultInjection.inject(.short(7), at: .send, fd: p.client.fileDescriptor, times: 3)
        async let got = api.recv(p.server, length: data.count, timeout: .seconds(10))
        try await api.send(p.client, data, timeout: .seconds(10))
        #expect(try await got == data)
    }

    @Test("a nowait send cut short (short write, then EAGAIN) reports what went out", arguments: TestBackends.all)
    func nowaitShortSend(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { FaultInjection.clear(fd: p.client.fileDescriptor); p.close() }
        let data = patternBytes(23, 1000)
        FaultInjection.inject(.short(10), at: .send, fd: p.client.fileDescriptor)
        FaultInjection.inject(.errno(.eagain), at: .send, fd: p.client.fileDescriptor)
        let mailbox = Mailbox()
        let r = try api.send(p.client, data, nowait: mailbox)
        #expect(partialOf(r) == 10)
        let info = try #require(expectPending(r, backend, .send))
        let m = try #require(await message(mailbox, p.client, info.handle))
        switch m {
        case .select:
            // poll: ready again; the caller sends the rest itself (OTP's send with RestData).
            let rest = try api.send(p.client, Array(data[10...]), nowait: mailbox)
            guard case .ok(let n) = rest else { Issue.record("the rest did not go out: \(rest)"); return }
            #expect(n == 990)
        default:
            // uring: the kernel sent the rest; the completion says how much.
            guard case .sent(let n)? = m.status else { Issue.record("expected sent, got \(m)"); return }
            #expect(n == 990)
        }
        #expect(try await api.recv(p.server, length: 1000, timeout: .seconds(5)) == data)
    }

    @Test("a receive that fails with ECANCELED (not ours) reports ecanceled; the next one works",
          arguments: TestBackends.all)
    func foreignECANCELED(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { FaultInjection.clear(fd: p.server.fileDescriptor); p.close() }
        if backend == .poll {
            FaultInjection.inject(.errno(.ecanceled), at: .recv, fd: p.server.fileDescriptor)
        } else {
            // Nothing to read yet, so the receive goes to the kernel, which "cancels" it.
            FaultInjection.inject(.errno(.ecanceled), at: .completion(.operation), fd: p.server.fileDescriptor)
        }
        await #expect(throws: SocketError.errno(.ecanceled)) {
            _ = try await api.recv(p.server, length: 3, timeout: .seconds(5))
        }
        try await api.send(p.client, [1, 2, 3], timeout: .seconds(5))
        #expect(try await api.recv(p.server, length: 3, timeout: .seconds(5)) == [1, 2, 3])
    }

    @Test("a kernel operation that comes back EAGAIN is submitted again (uring)")
    func completionEAGAIN() async throws {
        guard let api = try TestBackends.api(.uring) else { return }
        let p = try await StreamPair.make(api)
        defer { FaultInjection.clear(fd: p.server.fileDescriptor); p.close() }
        FaultInjection.inject(.errno(.eagain), at: .completion(.operation), fd: p.server.fileDescriptor, times: 2)
        async let got = api.recv(p.server, length: 4, timeout: .seconds(5))
        try await Task.sleep(for: .milliseconds(50))
        try await api.send(p.client, [9, 8, 7, 6], timeout: .seconds(5))
        #expect(try await got == [9, 8, 7, 6])
        #expect(FaultInjection.pending(fd: p.server.fileDescriptor) == 0)
    }

    @Test("a streaming receive that runs out of buffers (ENOBUFS) is re-armed; poll retries EINTR",
          arguments: TestBackends.all)
    func streamRecvFaults(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { FaultInjection.clear(fd: p.server.fileDescriptor); p.close() }
        if backend == .poll {
            FaultInjection.inject(.errno(.eintr), at: .recv, fd: p.server.fileDescriptor, times: 3)
        } else {
            FaultInjection.inject(.errno(.enobufs), at: .completion(.streamRecv), fd: p.server.fileDescriptor, times: 3)
        }
        let handler = CountingHandler(api: api)
        try api.stream(p.server, to: handler)
        let data = patternBytes(29, 300_000)
        try await api.send(p.client, data, timeout: .seconds(10))
        #expect(await eventually { handler.total == data.count }, "\(handler.total) of \(data.count) bytes")
        #expect(handler.ends.withLock { $0.isEmpty })
    }

    @Test("streaming writes survive interrupted sends", arguments: TestBackends.all)
    func streamSendFaults(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { FaultInjection.clear(fd: p.server.fileDescriptor); p.close() }
        if backend == .poll {
            FaultInjection.inject(.errno(.eagain), at: .send, fd: p.server.fileDescriptor, times: 2)
        } else {
            FaultInjection.inject(.errno(.eagain), at: .completion(.streamSend), fd: p.server.fileDescriptor, times: 2)
        }
        let data = patternBytes(31, 200_000)
        try api.write(p.server, data)
        #expect(try await api.recv(p.client, length: data.count, timeout: .seconds(10)) == data)
    }

    @Test("the loop survives a failing submission or wait (full completion queue, EINTR)",
          arguments: TestBackends.all)
    func loopWaitFaults(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { p.close() }
        if backend == .poll {
            FaultInjection.inject(.errno(.eintr), at: .wait, times: 3)
        } else {
            FaultInjection.inject(.overflow, at: .submit, times: 2)
            FaultInjection.inject(.errno(.enomem), at: .submit, times: 1)
        }
        for round in 0..<5 {
            async let got = api.recv(p.server, length: 2, timeout: .seconds(5))
            try await api.send(p.client, [UInt8(round), 1], timeout: .seconds(5))
            #expect(try await got == [UInt8(round), 1])
        }
    }

    @Test("close interrupted by EINTR still gives the descriptor back, once", arguments: TestBackends.all)
    func closeEINTR(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let s = try api.open(.inet, .stream, .tcp)
        var st = stat()
        #expect(fstat(s.fileDescriptor, &st) == 0)
        let fd = s.fileDescriptor, inode = st.st_ino
        FaultInjection.inject(.errno(.eintr), at: .close, fd: fd)
        try api.close(s)
        var after = stat()
        #expect(fstat(fd, &after) != 0 || after.st_ino != inode)
        #expect(throws: SocketError.closed) { try api.close(s) }
    }
}
