import Testing
@testable import ESock

/// Socket owners, as OTP's controlling process (checked against OTP 25): only the owner
/// hands a socket on, an accepting caller owns its connection, and an owner's end closes
/// its sockets and cancels its operations everywhere, so it cannot hold other callers up.
@Suite struct OwnerTests {
    @Test(arguments: TestBackends.all)
    func onlyTheOwnerHandsTheSocketOn(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let a = Mailbox(), b = Mailbox(), c = Mailbox()
        let s = try api.open(.inet, .stream, .tcp, options: OpenOptions(label: "owned", owner: a))
        defer { try? api.close(s) }
        #expect(s.owner === a && s.label == "owned")
        #expect(api.info(s).owner === a && api.info(s).label == "owned")
        #expect(api.info(s).description.contains("owner => \(a)"))
        #expect(SocketRegistry.whichSockets(.owner(a)) == [s])

        #expect(throws: SocketError.invalid(.notOwner)) { try api.setOwner(s, to: c, caller: b) }
        #expect(throws: SocketError.invalid(.notOwner)) { try api.setOwner(s, to: c, caller: nil) }
        #expect(s.owner === a)
        try api.setOwner(s, to: b, caller: a)
        #expect(s.owner === b)
        #expect(SocketRegistry.whichSockets(.owner(a)).isEmpty && SocketRegistry.whichSockets(.owner(b)) == [s])
        #expect(throws: SocketError.invalid(.notOwner)) { try api.setOwner(s, to: a, caller: a) }
        // The former owner's end no longer touches the socket.
        a.end()
        #expect(!s.isClosed)
        #expect(throws: SocketError.invalid(.argument("the new owner \(a) has ended"))) { try api.setOwner(s, to: a, caller: b) }
    }

    @Test(arguments: TestBackends.all)
    func anUnownedSocketIsClaimedByTheFirstCaller(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let s = try api.open(.inet, .dgram, .udp)
        #expect(s.owner == nil && api.info(s).owner == nil)
        #expect(api.info(s).description.contains("owner => undefined"))
        let a = Mailbox()
        try api.setOwner(s, to: a, caller: nil)
        #expect(s.owner === a)
        try api.close(s)
        #expect(throws: SocketError.closed) { try api.setOwner(s, to: Mailbox(), caller: a) }
    }

    /// The owner's end closes the socket: other callers' operations are aborted, monitors
    /// report `down`, and the socket leaves the registry.
    @Test(arguments: TestBackends.all)
    func theOwnersEndClosesItsSockets(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let owner = Mailbox(), other = Mailbox(), watcher = Mailbox()
        let p = try await StreamPair.make(api)
        defer { p.close() }
        let s = try api.open(.inet, .dgram, .udp, options: OpenOptions(owner: owner))
        try api.bind(s, .loopback)
        try api.setOwner(p.server, to: owner, caller: nil)
        let ref = api.monitor(s, caller: watcher)
        let info = try #require(expectPending(try api.recvfrom(s, length: 0, nowait: other), backend, .recvfrom))
        owner.end()
        #expect(owner.isEnded)
        #expect(s.isClosed && p.server.isClosed)
        #expect(!p.client.isClosed, "a socket it does not own stays open")
        #expect(await message(other, s, info.handle)?.abortReason == .closed)
        #expect(await watcher.receive(timeout: .seconds(1)) { $0.handle == ref } != nil)
        #expect(SocketRegistry.whichSockets(.owner(owner)).isEmpty)
        owner.end()  // again: nothing more happens
    }

    /// A caller whose operation is current (or queued) ends: the next caller in line is
    /// served, and gets the data the ended caller waited for.
    @Test(arguments: TestBackends.all)
    func anEndedCallerLeavesTheQueue(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { p.close() }
        let first = Mailbox(), queued = Mailbox(), next = Mailbox()
        let i1 = try #require(expectPending(try api.recv(p.server, length: 3, nowait: first), backend, .recv))
        let i2 = try #require(expectPending(try api.recv(p.server, length: 3, nowait: queued), backend, .recv))
        let i3 = try #require(expectPending(try api.recv(p.server, length: 3, nowait: next), backend, .recv))
        #expect(api.info(p.server).numReaders == 3)
        queued.end()
        #expect(api.info(p.server).numReaders == 2, "the queued caller left")
        first.end()
        #expect(api.info(p.server).numReaders == 1, "the current caller left")
        try await api.send(p.client, [1, 2, 3])
        let got: [UInt8]?
        switch try #require(await message(next, p.server, i3.handle)) {
        case .select:
            guard case .ok(let d) = try api.recv(p.server, length: 3, nowait: next) else { Issue.record("after select"); return }
            got = d
        case .completion(_, _, let status): got = status.bytes
        case let m: Issue.record("\(m)"); got = nil
        }
        #expect(got == [1, 2, 3])
        #expect(first.count == 0 && queued.count == 0, "an ended caller gets nothing")
        _ = (i1, i2)
    }

    @Test(arguments: TestBackends.all)
    func anAcceptingCallerOwnsTheConnection(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let owner = Mailbox(), acceptor = Mailbox()
        let l = try api.open(.inet, .stream, .tcp, options: OpenOptions(label: "listener", owner: owner))
        defer { try? api.close(l) }
        try api.bind(l, .loopback)
        try api.listen(l)
        let address = try api.sockname(l)

        // nowait: the caller that accepted.
        let c1 = try api.open(.inet, .stream, .tcp)
        defer { try? api.close(c1) }
        let pending = try api.accept(l, nowait: acceptor)
        try await api.connect(c1, address, timeout: .seconds(5))
        let a1: Socket
        switch pending {
        case .ok(let s): a1 = s
        case .select(let i, _):
            _ = await message(acceptor, l, i.handle)
            guard case .ok(let s) = try api.accept(l, nowait: acceptor) else { Issue.record("after select"); return }
            a1 = s
        case .completion(let i, _):
            guard case .accepted(let s)? = await message(acceptor, l, i.handle)?.status else { Issue.record("no connection"); return }
            a1 = s
        }
        defer { try? api.close(a1) }
        #expect(a1.owner === acceptor && a1.label == "listener")

        // Awaiting: the listener's owner.
        let c2 = try api.open(.inet, .stream, .tcp)
        defer { try? api.close(c2) }
        async let accepted = api.accept(l, timeout: .seconds(5))
        try await api.connect(c2, address, timeout: .seconds(5))
        let a2 = try await accepted
        defer { try? api.close(a2) }
        #expect(a2.owner === owner)
    }

    /// A caller cancels an accept whose connection already came (uring: a completion in its
    /// mailbox, taken back for the next caller) and then goes away: the connection is not
    /// the gone caller's, and reaches the next acceptor open.
    @Test(arguments: TestBackends.all)
    func aConnectionTakenBackByCancelIsNotTheCancellersToClose(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let l = try Listener.make(api)
        defer { try? api.close(l.socket) }
        let client = try api.open(.inet, .stream, .tcp)
        defer { try? api.close(client) }
        do {
            let gone = Mailbox()
            let info = try #require(expectPending(try api.accept(l.socket, nowait: gone), backend, .accept))
            try await api.connect(client, l.address, timeout: .seconds(5))
            // The message is there, unread, when the cancel comes.
            #expect(await eventually { gone.count > 0 })
            try api.cancel(l.socket, info, caller: gone)
        }
        try await Task.sleep(for: .milliseconds(50))
        let next = Mailbox()
        let a: Socket
        switch try api.accept(l.socket, nowait: next) {
        case .ok(let s): a = s
        case .select(let i, _):
            _ = await message(next, l.socket, i.handle)
            guard case .ok(let s) = try api.accept(l.socket, nowait: next) else { Issue.record("after select"); return }
            a = s
        case .completion(let i, _):
            guard case .accepted(let s)? = await message(next, l.socket, i.handle)?.status else { Issue.record("none"); return }
            a = s
        }
        defer { try? api.close(a) }
        #expect(!a.isClosed && a.owner === next)
        try await api.send(client, [7])
        #expect(try await api.recv(a, length: 1, timeout: .seconds(5)) == [7])
    }

    /// A mailbox nobody references any more closes what it owned, shortly after.
    @Test(arguments: TestBackends.all)
    func aDroppedOwnerClosesItsSockets(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        var s: Socket?
        do {
            let owner = Mailbox()
            s = try api.open(.inet, .stream, .tcp, options: OpenOptions(owner: owner))
            #expect(s?.owner === owner)
        }
        let socket = try #require(s)
        #expect(await eventually { socket.isClosed }, "the socket closes when its owner goes")
    }
}
