import Testing
@testable import ESock

/// OTP socket_api_SUITE group `async`: each operation started with `nowait`, finished through
/// its message. poll: `select`, then call again; uring: `completion` carrying the result.
@Suite struct NowaitOperationTests {
    static let request = Array("hejsan".utf8)
    static let reply = Array("hoppsan".utf8)

    /// api_a_connect_tcp4/6: connect with nowait; poll finishes with `connect(socket)`
    /// (OTP's connect/1) after `select`, uring gets `completion(.ok)`. Then one exchange.
    @Test(arguments: TestBackends.all, [Domain.inet, .inet6])
    func connect(backend: Backend, domain: Domain) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let l = try Listener.make(api, domain: domain)
        defer { try? api.close(l.socket) }
        let c = try api.open(domain, .stream, .tcp)
        defer { try? api.close(c) }
        let mb = Mailbox()
        let r = try api.connect(c, l.address, nowait: mb)
        let info = try #require(expectPending(r, backend, .connect))
        // uring may already have finished the connect on loopback.
        #expect(!api.info(c).writeStates.isDisjoint(with: [.connecting, .connected]))
        let m = try #require(await message(mb, c, info.handle))
        switch backend {
        case .poll:
            #expect(m.isSelect)
            try api.connect(c)
        default:
            guard case .ok? = m.status else { Issue.record("expected completion ok, got \(m)"); return }
            try api.connect(c)  // already connected: ok, as OTP's connect/1
        }
        #expect(api.info(c).writeStates.contains(.connected))
        #expect(!api.info(c).writeStates.contains(.connecting))
        #expect(try api.peername(c) == l.address)
        let a = try await api.accept(l.socket, timeout: .seconds(5))
        defer { try? api.close(a) }
        try await api.send(c, Self.request)
        #expect(try await api.recv(a, length: Self.request.count, timeout: .seconds(5)) == Self.request)
        try await api.send(a, Self.reply)
        #expect(try await api.recv(c, length: Self.reply.count, timeout: .seconds(5)) == Self.reply)
        await expectNoMessage(mb, wait: .milliseconds(20))
    }

    /// The OTP test finishes a selected connect by calling connect/3 again with the same
    /// address (poll): that must give ok too.
    @Test func connectAgainAfterSelect() async throws {
        guard let api = try TestBackends.api(.poll) else { return }
        let l = try Listener.make(api)
        defer { try? api.close(l.socket) }
        let c = try api.open(.inet, .stream, .tcp)
        defer { try? api.close(c) }
        let mb = Mailbox()
        let info = try #require(expectPending(try api.connect(c, l.address, nowait: mb), .poll, .connect))
        _ = try #require(await message(mb, c, info.handle))
        guard case .ok = try api.connect(c, l.address, nowait: mb) else { Issue.record("connect again not ok"); return }
        #expect(api.info(c).writeStates.contains(.connected))
    }

    /// A nowait connect to a port nobody listens on: poll selects and connect/1 gives the
    /// error; uring completes with it.
    @Test(arguments: TestBackends.all)
    func connectRefused(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let unused = try api.open(.inet, .stream, .tcp)
        try api.bind(unused, .loopback)
        let address = try api.sockname(unused)
        try api.close(unused)
        let c = try api.open(.inet, .stream, .tcp)
        defer { try? api.close(c) }
        let mb = Mailbox()
        let r: Nowait<Void>
        do {
            r = try api.connect(c, address, nowait: mb)
        } catch {
            #expect(error == .errno(.econnrefused))  // refused at once is fine too
            return
        }
        let info = try #require(expectPending(r, backend, .connect))
        let m = try #require(await message(mb, c, info.handle))
        if backend == .poll {
            #expect(m.isSelect)
            #expect(throws: SocketError.errno(.econnrefused)) { try api.connect(c) }
        } else {
            #expect(m.status?.error == .errno(.econnrefused))
        }
        #expect(api.info(c).numWriters == 0)
    }

    /// A connect that cannot complete (the listener's backlog is full, the SYN is dropped)
    /// gets no message: on poll a `select` means the connect finished, so connect/1 can
    /// finish it. Sockets are connected right after open, racing the loop's first look at them.
    @Test(arguments: TestBackends.all)
    func connectPendingGivesNoEarlyMessage(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let l = try Listener.make(api, backlog: 0)
        var sockets: [Socket] = []
        defer { for s in sockets + [l.socket] { try? api.close(s) } }
        try #require(try await l.fillBacklog(&sockets))
        var waiting: [(Socket, Mailbox)] = []
        for _ in 0..<120 {
            let c = try api.open(.inet, .stream, .tcp)
            sockets.append(c)
            let mb = Mailbox()
            expectPending(try api.connect(c, l.address, nowait: mb), backend, .connect)
            waiting.append((c, mb))
        }
        try await Task.sleep(for: .milliseconds(100))
        for (c, mb) in waiting {
            if let m = mb.tryReceive() {
                Issue.record("message for a connect that cannot have finished: \(m)")
                if m.isSelect { #expect(throws: SocketError.errno(.einprogress)) { try api.connect(c) } }
            }
        }
    }

    /// The same, deterministic, for every kind of waiter: epoll reports a TCP socket that is
    /// neither connected nor listening as writable and hung up, and the registration at open
    /// queues that event. If the loop sees it only after the socket connected or started
    /// listening and a caller waits, it must not select that caller.
    @Test(arguments: [OperationTag.connect, .accept, .recv])
    func pollStaleRegistrationEventSelectsNobody(operation: OperationTag) async throws {
        guard let api = try TestBackends.api(.poll) else { return }
        let l = try Listener.make(api, backlog: 0)
        var sockets: [Socket] = []
        defer { for s in sockets + [l.socket] { try? api.close(s) } }
        let mb = Mailbox()
        let waiting: Socket
        switch operation {
        case .connect:
            try #require(try await l.fillBacklog(&sockets))
            waiting = try api.open(.inet, .stream, .tcp)
            sockets.append(waiting)
            expectPending(try api.connect(waiting, l.address, nowait: mb), .poll, .connect)
        case .accept:
            waiting = l.socket
            expectPending(try api.accept(waiting, nowait: mb), .poll, .accept)
        default:
            waiting = try await l.connectClient()
            sockets.append(waiting)
            expectPending(try api.recv(waiting, length: 0, nowait: mb), .poll, .recv)
        }
        let epollOut: UInt32 = 0x004, epollHup: UInt32 = 0x010  // EPOLLOUT, EPOLLHUP
        try #require(waiting.engine as? PollEngine).ready(waiting, events: epollOut | epollHup)
        await expectNoMessage(mb, wait: .milliseconds(50))
    }

    /// Accept with nowait and no client: pending; a client connects; poll: `select` then
    /// accept again gives the socket; uring: `completion(.accepted(socket))`.
    @Test(arguments: TestBackends.all, [Domain.inet, .inet6])
    func accept(backend: Backend, domain: Domain) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let l = try Listener.make(api, domain: domain)
        defer { try? api.close(l.socket) }
        let mb = Mailbox()
        let info = try #require(expectPending(try api.accept(l.socket, nowait: mb), backend, .accept))
        #expect(api.info(l.socket).numAcceptors == 1)
        let c = try await l.connectClient()
        defer { try? api.close(c) }
        let m = try #require(await message(mb, l.socket, info.handle))
        let a: Socket
        switch backend {
        case .poll:
            #expect(m.isSelect)
            guard case .ok(let s) = try api.accept(l.socket, nowait: mb) else { Issue.record("accept after select not ok"); return }
            a = s
        default:
            guard case .accepted(let s)? = m.status else { Issue.record("expected accepted, got \(m)"); return }
            a = s
        }
        defer { try? api.close(a) }
        #expect(a.backend == backend)
        #expect(api.info(l.socket).numAcceptors == 0)
        #expect(try api.peername(a) == api.sockname(c))
        try await api.send(c, Self.request)
        #expect(try await api.recv(a, length: 0, timeout: .seconds(5)) == Self.request)
    }

    /// api_a_send_and_recv_tcp4/6: the server receives with nowait, the client too; each
    /// side replies once the message came.
    @Test(arguments: TestBackends.all, [Domain.inet, .inet6])
    func sendAndRecvTCP(backend: Backend, domain: Domain) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api, domain: domain)
        defer { p.close() }
        let server = Mailbox(), client = Mailbox()
        let got = try await nowaitRecv(api, backend, p.server, server, then: { try await api.send(p.client, Self.request) })
        #expect(got == Self.request)
        let got2 = try await nowaitRecv(api, backend, p.client, client, then: {
            guard case .ok(let n) = try api.send(p.server, Self.reply, nowait: server) else {
                Issue.record("a small nowait send did not finish at once"); return
            }
            #expect(n == Self.reply.count)
        })
        #expect(got2 == Self.reply)
        await expectNoMessage(server, wait: .milliseconds(20))
        await expectNoMessage(client, wait: .milliseconds(20))
    }

    /// api_a_sendmsg_and_recvmsg_tcp4/6: as above with sendmsg/recvmsg on a stream.
    @Test(arguments: TestBackends.all, [Domain.inet, .inet6])
    func sendmsgAndRecvmsgTCP(backend: Backend, domain: Domain) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api, domain: domain)
        defer { p.close() }
        let mb = Mailbox()
        let info = try #require(expectPending(try api.recvmsg(p.server, nowait: mb), backend, .recvmsg))
        guard case .ok(let n) = try api.sendmsg(p.client, OutgoingMessage(iov: [Array("hej".utf8), Array("san".utf8)]),
                                               nowait: Mailbox()) else {
            Issue.record("a small nowait sendmsg did not finish at once"); return
        }
        #expect(n == 6)
        let m = try #require(await message(mb, p.server, info.handle))
        switch backend {
        case .poll:
            #expect(m.isSelect)
            guard case .ok(let msg) = try api.recvmsg(p.server, nowait: mb) else { Issue.record("recvmsg after select not ok"); return }
            #expect(msg.data == Self.request)
        default:
            guard case .message(let msg)? = m.status else { Issue.record("expected message, got \(m)"); return }
            #expect(msg.data == Self.request)
        }
    }

    /// A nowait send that cannot finish at once (the peer does not read): poll returns
    /// `select` with the bytes written so far and the caller sends the rest after `select`;
    /// uring returns `completion` with the bytes written so far and completes with the rest.
    @Test(arguments: TestBackends.all)
    func sendThatMustWait(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { p.close() }
        try shrinkBuffers(api, sender: p.client, receiver: p.server)
        let data = patternBytes(0, 1 << 20)
        let mb = Mailbox()
        let r = try api.send(p.client, data, nowait: mb)
        let info = try #require(expectPending(r, backend, .send))
        let first = partialOf(r) ?? 0
        #expect(first < data.count)
        // Drain the peer while the sender finishes.
        let reader = Task { () throws -> [UInt8] in
            var got: [UInt8] = []
            while got.count < data.count {
                got += try await api.recv(p.server, length: 0, timeout: .seconds(10))
            }
            return got
        }
        var sent = first
        var handle = info.handle
        var rounds = 0
        while sent < data.count, rounds < 10_000 {
            rounds += 1
            let m = try #require(await message(mb, p.client, handle, within: .seconds(10)))
            switch backend {
            case .poll:
                #expect(m.isSelect)
                switch try api.send(p.client, Array(data[sent...]), nowait: mb) {
                case .ok(let n): sent += n
                case .select(let i, let partial): sent += partial ?? 0; handle = i.handle
                case .completion(let i, _): Issue.record("completion on poll: \(i)"); return
                }
            default:
                guard case .sent(let n)? = m.status else { Issue.record("expected sent, got \(m)"); return }
                sent += n
            }
        }
        #expect(sent == data.count)
        let got = try await reader.value
        #expect(got == data)
    }

    /// api_a_sendto_and_recvfrom_udp4/6: recvfrom with nowait, a datagram arrives.
    @Test(arguments: TestBackends.all, [Domain.inet, .inet6])
    func sendtoAndRecvfromUDP(backend: Backend, domain: Domain) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let d = try DatagramPair.make(api, domain: domain)
        defer { d.close() }
        let mb = Mailbox()
        let info = try #require(expectPending(try api.recvfrom(d.a, nowait: mb), backend, .recvfrom))
        guard case .ok(let n) = try api.sendto(d.b, Self.request, to: d.addressA, nowait: Mailbox()) else {
            Issue.record("nowait sendto did not finish at once"); return
        }
        #expect(n == Self.request.count)
        let m = try #require(await message(mb, d.a, info.handle))
        let got: Datagram
        switch backend {
        case .poll:
            #expect(m.isSelect)
            guard case .ok(let dg) = try api.recvfrom(d.a, nowait: mb) else { Issue.record("recvfrom after select not ok"); return }
            got = dg
        default:
            guard case .datagram(let src, let data)? = m.status else { Issue.record("expected datagram, got \(m)"); return }
            got = Datagram(source: src, data: data)
        }
        #expect(got.data == Self.request)
        #expect(got.source == d.addressB)
        // And the reply the other way.
        let mb2 = Mailbox()
        let info2 = try #require(expectPending(try api.recvfrom(d.b, nowait: mb2), backend, .recvfrom))
        try await api.sendto(d.a, Self.reply, to: d.addressB, timeout: .seconds(5))
        let m2 = try #require(await message(mb2, d.b, info2.handle))
        if backend == .poll {
            guard case .ok(let dg) = try api.recvfrom(d.b, nowait: mb2) else { Issue.record("no reply"); return }
            #expect(dg.data == Self.reply && dg.source == d.addressA)
        } else {
            #expect(m2.status?.bytes == Self.reply)
        }
    }

    /// api_a_sendmsg_and_recvmsg_udp4/6: recvmsg with nowait, sendmsg delivers.
    @Test(arguments: TestBackends.all, [Domain.inet, .inet6])
    func sendmsgAndRecvmsgUDP(backend: Backend, domain: Domain) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let d = try DatagramPair.make(api, domain: domain)
        defer { d.close() }
        let mb = Mailbox()
        let info = try #require(expectPending(try api.recvmsg(d.a, nowait: mb), backend, .recvmsg))
        let out = OutgoingMessage(address: d.addressA, iov: [Array("hej".utf8), Array("san".utf8)])
        guard case .ok(let n) = try api.sendmsg(d.b, out, nowait: Mailbox()) else {
            Issue.record("nowait sendmsg did not finish at once"); return
        }
        #expect(n == 6)
        let m = try #require(await message(mb, d.a, info.handle))
        let got: ReceivedMessage
        switch backend {
        case .poll:
            #expect(m.isSelect)
            guard case .ok(let msg) = try api.recvmsg(d.a, nowait: mb) else { Issue.record("recvmsg after select not ok"); return }
            got = msg
        default:
            guard case .message(let msg)? = m.status else { Issue.record("expected message, got \(m)"); return }
            got = msg
        }
        #expect(got.data == Self.request)
        #expect(got.address == d.addressB)
    }

    /// recv with nowait on `socket` until it has data, running `trigger` after the first
    /// pending answer; returns what the caller received.
    private func nowaitRecv(_ api: any SocketAPI, _ backend: Backend, _ socket: Socket, _ mb: Mailbox,
                            then trigger: () async throws -> Void) async throws -> [UInt8]? {
        let info = try #require(expectPending(try api.recv(socket, length: 0, nowait: mb), backend, .recv))
        try await trigger()
        let m = try #require(await message(mb, socket, info.handle))
        switch backend {
        case .poll:
            #expect(m.isSelect)
            guard case .ok(let d) = try api.recv(socket, length: 0, nowait: mb) else { Issue.record("recv after select not ok"); return nil }
            return d
        default:
            guard case .data(let d)? = m.status else { Issue.record("expected data, got \(m)"); return nil }
            return d
        }
    }
}
