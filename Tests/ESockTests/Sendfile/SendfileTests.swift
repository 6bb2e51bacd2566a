#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import ESock

/// `sendfile` on both backends (OTP's sendfile/2..5): whole files, ranges, the end of the
/// file, the nowait forms, its counters, bad input, timeouts and close, and no descriptor
/// left behind (uring splices through a pipe per call). The transfer cases run over TCP on
/// IPv4 and IPv6 and over a Unix stream socket (OTP's api_sendfile_{inet,inet6,local} and
/// api_sendfile_loop_{inet,inet6,local}).
@Suite struct SendfileTests {
    /// A temporary file holding `bytes`, open for reading; removed from the directory at once.
    final class TempFile {
        let fd: Int32
        init(_ bytes: [UInt8]) throws {
            var template = Array("/tmp/esock-sendfile-XXXXXX".utf8CString)
            let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            try #require(fd >= 0)
            template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
            var off = 0
            while off < bytes.count {
                let n = bytes[off...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                try #require(n > 0)
                off += n
            }
            self.fd = fd
        }
        deinit { close(fd) }
    }

    /// Receives exactly `count` bytes on `socket`.
    static func receive(_ api: any SocketAPI, _ socket: Socket, _ count: Int) async throws -> [UInt8] {
        var got: [UInt8] = []
        while got.count < count {
            got += try await api.recv(socket, length: 0, timeout: .seconds(10))
        }
        return got
    }

    @Test(arguments: TestBackends.all, Domain.allCases)
    func wholeFileAndRanges(backend: Backend, domain: Domain) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api, domain: domain)
        defer { p.close() }
        let data = patternBytes(3, 1 << 20)
        let file = try TempFile(data)
        async let whole = Self.receive(api, p.server, data.count)
        #expect(try await api.sendfile(p.client, file: file.fd) == data.count)
        #expect(try await whole == data)

        async let range = Self.receive(api, p.server, 5000)
        #expect(try await api.sendfile(p.client, file: file.fd, offset: 1000, count: 5000, timeout: .seconds(10)) == 5000)
        #expect(try await range == Array(data[1000..<6000]))

        // Past the end: what is there.
        async let tail = Self.receive(api, p.server, 100)
        #expect(try await api.sendfile(p.client, file: file.fd, offset: data.count - 100, count: 1 << 20,
                                       timeout: .seconds(10)) == 100)
        #expect(try await tail == Array(data.suffix(100)))
        #expect(try await api.sendfile(p.client, file: file.fd, offset: data.count, count: 0, timeout: .seconds(1)) == 0)
        #expect(lseek(file.fd, 0, SEEK_CUR) == off_t(data.count), "the file's own offset is not moved by sendfile")

        let c = api.info(p.client).counters
        #expect(c.sendfile == 4)
        #expect(c.sendfileByte == data.count + 5100)
        #expect(c.sendfileMax >= 5000 && c.sendfilePkg >= 3 && c.sendfileFails == 0)
        #expect(c.named.contains { $0.0 == "sendfile_byte" && $0.1 == c.sendfileByte })
    }

    /// api_sendfile_loop_*: a file sent as many chunks, one sendfile after another, each at
    /// its offset; the peer gets the file whole and in order, and each call counts once.
    @Test(arguments: TestBackends.all, Domain.allCases)
    func chunksInARow(backend: Backend, domain: Domain) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api, domain: domain)
        defer { p.close() }
        let chunk = 1031, chunks = 512
        let data = patternBytes(7, chunk * chunks + 17)
        let file = try TempFile(data)
        let receiving = Task { try await Self.receive(api, p.server, data.count) }
        var offset = 0
        var calls = 0
        while offset < data.count && calls < 2 * chunks {
            calls += 1
            let n = try await api.sendfile(p.client, file: file.fd, offset: offset,
                                           count: min(chunk, data.count - offset), timeout: .seconds(10))
            #expect(n == min(chunk, data.count - offset))
            offset += n
        }
        #expect(offset == data.count)
        #expect(calls == chunks + 1)
        #expect(try await receiving.value == data)
        let c = api.info(p.client).counters
        #expect(c.sendfile == calls && c.sendfileByte == data.count && c.sendfileFails == 0)
        #expect(c.sendfileMax == chunk)
    }

    @Test(arguments: TestBackends.all, Domain.allCases)
    func nowaitSendsTheFile(backend: Backend, domain: Domain) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api, domain: domain)
        defer { p.close() }
        let data = patternBytes(11, 3 << 20)
        let file = try TempFile(data)
        let receiving = Task { try await Self.receive(api, p.server, data.count) }
        let mb = Mailbox()
        var offset = 0
        var rounds = 0
        while offset < data.count && rounds < 10_000 {
            rounds += 1
            switch try api.sendfile(p.client, file: file.fd, offset: offset, count: data.count - offset, nowait: mb) {
            case .ok(let n):
                offset += n
            case .select(let i, let partial):
                #expect(backend == .poll)
                offset += partial ?? 0
                _ = try #require(await message(mb, p.client, i.handle))
            case .completion(let i, _):
                #expect(backend == .uring)
                guard case .sent(let n)? = try #require(await message(mb, p.client, i.handle)).status else {
                    Issue.record("no count"); return
                }
                offset += n
            }
        }
        #expect(offset == data.count)
        #expect(try await receiving.value == data)
    }

    @Test(arguments: TestBackends.all)
    func badInputIsATypedError(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { p.close() }
        let file = try TempFile([1, 2, 3])
        let u = try api.open(.inet, .dgram, .udp)
        defer { try? api.close(u) }
        await #expect(throws: SocketError.invalid(.operation("sendfile needs a stream socket"))) {
            try await api.sendfile(u, file: file.fd)
        }
        await #expect(throws: SocketError.invalid(.argument("offset -1 is negative"))) {
            try await api.sendfile(p.client, file: file.fd, offset: -1, count: 1, timeout: .seconds(1))
        }
        await #expect(throws: SocketError.invalid(.argument("count -2 is negative"))) {
            try await api.sendfile(p.client, file: file.fd, offset: 0, count: -2, timeout: .seconds(1))
        }
        await #expect(throws: SocketError.errno(.ebadf)) {
            try await api.sendfile(p.client, file: 987_654, timeout: .seconds(1))
        }
        try api.close(p.client)
        await #expect(throws: SocketError.closed) { try await api.sendfile(p.client, file: file.fd) }
    }

    /// A peer that does not read: the send times out, a close aborts a nowait sendfile, and
    /// every pipe and socket descriptor is given back.
    @Test(arguments: TestBackends.all)
    func timeoutCloseAndNoLeak(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let file = try TempFile(patternBytes(0, 8 << 20))
        let before = Self.openDescriptors()
        for _ in 0..<3 {
            let p = try await StreamPair.make(api)
            try shrinkBuffers(api, sender: p.client, receiver: p.server)
            await #expect(throws: SocketError.self) {
                try await api.sendfile(p.client, file: file.fd, timeout: .milliseconds(100))
            }
            let mb = Mailbox()
            let r = try api.sendfile(p.client, file: file.fd, offset: 0, count: 0, nowait: mb)
            if let info = r.pending {
                try api.close(p.client)
                let m = await message(mb, p.client, info.handle)
                switch m {
                case .abort(_, _, .closed)?, .select?: break
                case .completion(_, _, .sent)?, .completion(_, _, .error)?: break
                default: Issue.record("unexpected \(String(describing: m))")
                }
            }
            p.close()
        }
        #expect(await eventually { Self.openDescriptors() <= before }, "descriptors left open: \(Self.openDescriptors() - before)")
    }

    static func openDescriptors() -> Int {
        var n = 0
        for fd in 0..<4096 where fcntl(Int32(fd), F_GETFD) >= 0 { n += 1 }
        return n
    }
}
