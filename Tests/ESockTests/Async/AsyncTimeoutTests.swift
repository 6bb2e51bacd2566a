import Testing
@testable import ESock

/// Timeouts of the awaiting calls, which run on the same path as `nowait` calls (OTP's
/// operation_with_timeout group, async-path specifics): the operation is cancelled, the call
/// throws timeout with any partial data, and nothing that arrives later is lost. The cases
/// OTP runs as tcp4/tcp6 and udp4/udp6 (api_to_*) run on IPv4 and IPv6.
@Suite struct AsyncTimeoutTests {
    /// accept with no client: timeout; afterwards the listener accepts normally.
    @Test(arguments: TestBackends.all, [Domain.inet, .inet6])
    func accept(backend: Backend, domain: Domain) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let l = try Listener.make(api, domain: domain)
        defer { try? api.close(l.socket) }
        try await expectTimeout(after: .milliseconds(100)) { _ = try await api.accept(l.socket, timeout: .milliseconds(100)) }
        #expect(api.info(l.socket).numAcceptors == 0)
        let c = try await l.connectClient()
        defer { try? api.close(c) }
        let a = try await api.accept(l.socket, timeout: .seconds(5))
        #expect(try api.peername(a) == api.sockname(c))
        try api.close(a)
    }

    /// connect to a listener whose backlog is full (the SYN is dropped): timeout.
    @Test(arguments: TestBackends.all, [Domain.inet, .inet6])
    func connect(backend: Backend, domain: Domain) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let l = try Listener.make(api, domain: domain, backlog: 0)
        var clients: [Socket] = []
        defer { for s in clients + [l.socket] { try? api.close(s) } }
        var timedOut = false
        for _ in 0..<8 where !timedOut {
            let c = try api.open(domain, .stream, .tcp)
            clients.append(c)
            let start = ContinuousClock.now
            do {
                try await api.connect(c, l.address, timeout: .milliseconds(300))
            } catch {
                #expect(error == .timeout)
                #expect(ContinuousClock.now - start >= .milliseconds(250))
                timedOut = true
                #expect(api.info(c).numWriters == 0)
            }
        }
        #expect(timedOut, "no connect to the full backlog timed out")
    }

    /// recv with nothing there: timeout; with 3 of 10 bytes: timeout carrying them; what
    /// arrives afterwards is received normally.
    @Test(arguments: TestBackends.all, [Domain.inet, .inet6])
    func recv(backend: Backend, domain: Domain) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api, domain: domain)
        defer { p.close() }
        try await expectTimeout(after: .milliseconds(100)) { _ = try await api.recv(p.server, length: 0, timeout: .milliseconds(100)) }
        try await api.send(p.client, Array("abc".utf8))
        do {
            let d = try await api.recv(p.server, length: 10, timeout: .milliseconds(100))
            Issue.record("expected timeout, got \(d)")
        } catch {
            #expect(error == .partial(.timeout, data: Array("abc".utf8)))
        }
        #expect(api.info(p.server).numReaders == 0)
        try await api.send(p.client, Array("defg".utf8))
        #expect(try await api.recv(p.server, length: 4, timeout: .seconds(5)) == Array("defg".utf8))
    }

    /// recv, recvfrom and recvmsg on UDP, recvmsg on TCP: timeout; a later datagram is received.
    @Test(arguments: TestBackends.all, [Domain.inet, .inet6])
    func recvfromAndRecvmsg(backend: Backend, domain: Domain) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let d = try DatagramPair.make(api, domain: domain)
        defer { d.close() }
        try await expectTimeout(after: .milliseconds(80)) { _ = try await api.recv(d.a, length: 0, timeout: .milliseconds(80)) }
        try await expectTimeout(after: .milliseconds(80)) { _ = try await api.recvfrom(d.a, timeout: .milliseconds(80)) }
        try await expectTimeout(after: .milliseconds(80)) { _ = try await api.recvmsg(d.a, timeout: .milliseconds(80)) }
        try await api.sendto(d.b, Array("late".utf8), to: d.addressA)
        let dg = try await api.recvfrom(d.a, timeout: .seconds(5))
        #expect(dg.data == Array("late".utf8) && dg.source == d.addressB)
        let p = try await StreamPair.make(api, domain: domain)
        defer { p.close() }
        try await expectTimeout(after: .milliseconds(80)) { _ = try await api.recvmsg(p.server, timeout: .milliseconds(80)) }
        try await api.send(p.client, Array("x".utf8))
        #expect(try await api.recvmsg(p.server, timeout: .seconds(5)).data == Array("x".utf8))
    }

    /// send to a peer that does not read: timeout carrying what was not sent; the peer then
    /// receives exactly the part that was sent, nothing more, nothing less.
    @Test(arguments: TestBackends.all, [Domain.inet, .inet6])
    func send(backend: Backend, domain: Domain) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api, domain: domain)
        defer { p.close() }
        try shrinkBuffers(api, sender: p.client, receiver: p.server)
        let data = patternBytes(0, 1 << 20)
        var unsent: [UInt8] = []
        do {
            try await api.send(p.client, data, timeout: .milliseconds(200))
            Issue.record("a 1 MiB send to a peer that does not read finished")
        } catch {
            #expect(error.reason == .timeout)
            unsent = error.partialData
        }
        #expect(!unsent.isEmpty && unsent.count < data.count)
        #expect(api.info(p.client).numWriters == 0)
        let sentCount = data.count - unsent.count
        #expect(Array(data[sentCount...]) == unsent)
        // A marker after the cut: the peer must see exactly data[..<sentCount] + marker.
        let marker = Array("END".utf8)
        let writer = Task { try await api.send(p.client, marker, timeout: .seconds(10)) }
        var got: [UInt8] = []
        while got.count < sentCount + marker.count {
            guard let d = try? await api.recv(p.server, length: 0, timeout: .seconds(2)) else { break }
            got += d
        }
        try await writer.value
        #expect(got.count == sentCount + marker.count, "sent \(sentCount) + marker, received \(got.count)")
        #expect(got.prefix(sentCount).elementsEqual(data.prefix(sentCount)))
        #expect(got.suffix(marker.count).elementsEqual(marker))
    }

    /// sendmsg to a peer that does not read: timeout, no writer left; once the peer reads
    /// everything, the stream goes on with the next sendmsg, whole.
    @Test(arguments: TestBackends.all, [Domain.inet, .inet6])
    func sendmsg(backend: Backend, domain: Domain) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api, domain: domain)
        defer { p.close() }
        try shrinkBuffers(api, sender: p.client, receiver: p.server)
        let chunk = patternBytes(0, 1 << 18)
        do {
            try await api.sendmsg(p.client, OutgoingMessage(iov: [chunk, chunk, chunk, chunk]), timeout: .milliseconds(200))
            Issue.record("a 1 MiB sendmsg to a peer that does not read finished")
        } catch {
            #expect(error.reason == .timeout)
        }
        #expect(api.info(p.client).numWriters == 0)
        let marker = Array("END".utf8)
        let writer = Task { try await api.sendmsg(p.client, OutgoingMessage(iov: [marker]), timeout: .seconds(10)) }
        var got: [UInt8] = []
        while !got.suffix(marker.count).elementsEqual(marker) && got.count < 4 * chunk.count + marker.count {
            guard let d = try? await api.recv(p.server, length: 0, timeout: .seconds(2)) else { break }
            got += d
        }
        try await writer.value
        #expect(got.suffix(marker.count).elementsEqual(marker), "the marker after the timed-out sendmsg arrived")
        #expect(got.count > marker.count && got.count < 4 * chunk.count + marker.count)
        let sent = got.dropLast(marker.count)
        #expect((chunk + chunk + chunk + chunk).starts(with: sent), "what went out before the timeout is a prefix")
    }

    /// `.zero`: one non-blocking attempt; no waiting.
    @Test(arguments: TestBackends.all)
    func zero(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { p.close() }
        let start = ContinuousClock.now
        await #expect(throws: SocketError.timeout) { try await api.recv(p.server, length: 0, timeout: .zero) }
        await #expect(throws: SocketError.timeout) { try await api.accept(p.listener, timeout: .zero) }
        #expect(ContinuousClock.now - start < .seconds(10))  // no wait, only a hang detector
        try await api.send(p.client, Array("now".utf8))
        try await Task.sleep(for: .milliseconds(20))
        #expect(try await api.recv(p.server, length: 0, timeout: .zero) == Array("now".utf8))
    }

    /// An awaiting call queued behind another caller's operation times out while still
    /// queued; the other caller is still served (OTP's api_to_maccept_tcp4/6 for accept).
    @Test(arguments: TestBackends.all, WaitCase.all([WaitOperation.accept, .recv, .recvfrom], on: [Domain.inet, .inet6]))
    func whileQueued(backend: Backend, wait: WaitCase) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let operation = wait.operation
        let f = try await WaitFixture(api, operation, domain: wait.domain)
        defer { f.close() }
        let first = Mailbox()
        let info = try #require(expectPending(try f.start(first), backend, operation.tag))
        let start = ContinuousClock.now
        let outcome = try await withinLimit(.seconds(3)) { () -> SocketError? in
            do { _ = try await f.take(timeout: .milliseconds(150)); return nil } catch { return error as? SocketError }
        }
        #expect(outcome == .some(.timeout))
        #expect(ContinuousClock.now - start >= .milliseconds(140))
        #expect(f.waiting == 1)
        let item = try await f.trigger(1)
        #expect(try await f.serve(first, info) == item)
    }

    private func expectTimeout(after d: Duration, sourceLocation: SourceLocation = #_sourceLocation,
                               _ body: () async throws -> Void) async throws {
        let start = ContinuousClock.now
        do {
            try await body()
            Issue.record("expected timeout", sourceLocation: sourceLocation)
        } catch {
            #expect(error as? SocketError == .timeout, sourceLocation: sourceLocation)
        }
        let took = ContinuousClock.now - start
        #expect(took >= d - .milliseconds(10), "timed out after \(took)", sourceLocation: sourceLocation)
        // A hang detector, not a timing assertion: the suite shares the machine.
        #expect(took < d + .seconds(10), "timed out after \(took)", sourceLocation: sourceLocation)
    }
}
