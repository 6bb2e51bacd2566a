import Testing
@testable import ESock

/// OTP socket_api_SUITE api_a_{accept,recv,recvfrom,recvmsg}_cancel and the cancel contract:
/// ok / invalid(info) / closed, and no message of a cancelled operation is left in or
/// later arrives in the caller's mailbox; nothing that arrives is lost.
@Suite struct CancelTests {
    /// One waiter: pending, no message while nothing happens, cancel ok; then the item
    /// arrives, no message comes, and the next caller gets the item.
    @Test(arguments: TestBackends.all, WaitOperation.allCases)
    func oneWaiter(backend: Backend, operation: WaitOperation) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        for domain in [Domain.inet, .inet6] {
            let f = try await WaitFixture(api, operation, domain: domain)
            defer { f.close() }
            let mb = Mailbox()
            let r = try f.start(mb)
            let info = try #require(expectPending(r, backend, operation.tag))
            #expect(f.waiting == 1)
            await expectNoMessage(mb, wait: .milliseconds(100))
            try api.cancel(f.socket, info, caller: mb)
            #expect(f.waiting == 0)
            let item = try await f.trigger(1)
            await expectNoMessage(mb, about: info.handle)
            #expect(try await f.take() == item)
            // Cancelling it again: the caller has no such operation any more.
            expectInvalidInfo { try api.cancel(f.socket, info, caller: mb) }
        }
    }

    /// Cancel after the message arrived but before the caller read it: ok, the message is
    /// taken back, and the item goes to the next caller (uring: from the stash).
    @Test(arguments: TestBackends.all, WaitOperation.allCases)
    func afterMessageArrived(backend: Backend, operation: WaitOperation) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let f = try await WaitFixture(api, operation)
        defer { f.close() }
        let mb = Mailbox()
        let info = try #require(expectPending(try f.start(mb), backend, operation.tag))
        let item = try await f.trigger(1)
        try #require(await eventually { mb.count == 1 })
        try api.cancel(f.socket, info, caller: mb)
        #expect(mb.count == 0)
        await expectNoMessage(mb, about: info.handle, wait: .milliseconds(50))
        #expect(try await f.take() == item)
    }

    /// Cancel of an operation that finished (and whose message was read), of an unknown
    /// handle, by a caller that does not own it: invalid(info). On a closed socket: closed.
    @Test(arguments: TestBackends.all, WaitOperation.allCases)
    func invalidAndClosed(backend: Backend, operation: WaitOperation) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let f = try await WaitFixture(api, operation)
        defer { f.close() }
        let mb = Mailbox(), other = Mailbox()
        let info = try #require(expectPending(try f.start(mb), backend, operation.tag))
        // Someone else's operation.
        expectInvalidInfo { try api.cancel(f.socket, info, caller: other) }
        // An unknown handle.
        let unknown: PendingInfo = backend == .poll
            ? .select(SelectInfo(tag: operation.tag, handle: Handle(rawValue: 0xdead_beef)))
            : .completion(CompletionInfo(tag: operation.tag, handle: Handle(rawValue: 0xdead_beef)))
        expectInvalidInfo { try api.cancel(f.socket, unknown, caller: mb) }
        // Finished and read.
        let item = try await f.trigger(1)
        #expect(try await f.serve(mb, info) == item)
        expectInvalidInfo { try api.cancel(f.socket, info, caller: mb) }
        // A nowait call that finished at once has nothing to cancel. (uring never accepts
        // at once: an accept always goes to the kernel.)
        if !(backend == .uring && operation == .accept) {
            let item2 = try await f.trigger(2)
            try await Task.sleep(for: .milliseconds(20))  // loopback: it has arrived
            let r = try f.start(mb)
            guard case .ok(let got) = r else { Issue.record("expected the item at once, got \(r)"); return }
            #expect(got == item2)
            expectInvalidInfo { try api.cancel(f.socket, r, caller: mb) }
        }
        // Closed: cancel says so and, as OTP's, takes the close's abort out of the mailbox.
        let info2 = try #require(expectPending(try f.start(mb), backend, operation.tag))
        try api.close(f.socket)
        #expect(throws: SocketError.closed) { try api.cancel(f.socket, info2, caller: mb) }
        await expectNoMessage(mb, about: info2.handle)
    }

    /// api_a_m*_cancel with cancel (tcp4/tcp6, udp4/udp6): three callers (mailboxes) queue in
    /// one direction; the queued middle one cancels; the others are served in FIFO order, it gets nothing.
    @Test(arguments: TestBackends.all, WaitCase.all(on: [Domain.inet, .inet6]))
    func queuedWaiterCancels(backend: Backend, wait: WaitCase) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let operation = wait.operation
        let f = try await WaitFixture(api, operation, domain: wait.domain)
        defer { f.close() }
        let a = Mailbox(), b = Mailbox(), c = Mailbox()
        let ia = try #require(expectPending(try f.start(a), backend, operation.tag))
        let ib = try #require(expectPending(try f.start(b), backend, operation.tag))
        let ic = try #require(expectPending(try f.start(c), backend, operation.tag))
        #expect(Set([ia.handle, ib.handle, ic.handle]).count == 3)
        #expect(f.waiting == 3)
        try api.cancel(f.socket, ib, caller: b)
        #expect(f.waiting == 2)
        let item1 = try await f.trigger(1)
        #expect(try await f.serve(a, ia) == item1)
        let item2 = try await f.trigger(2)
        #expect(try await f.serve(c, ic) == item2)
        await expectNoMessage(b, wait: .milliseconds(100))
        await expectNoMessage(a, wait: .milliseconds(1))
        await expectNoMessage(c, wait: .milliseconds(1))
        #expect(f.waiting == 0)
    }

    /// The current caller cancels while two more are queued: the next in line takes over
    /// (poll: it gets `select` at once and calls again), FIFO order holds, nothing is lost.
    @Test(arguments: TestBackends.all, WaitCase.all(on: [Domain.inet, .inet6]))
    func currentWaiterCancels(backend: Backend, wait: WaitCase) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let operation = wait.operation
        let f = try await WaitFixture(api, operation, domain: wait.domain)
        defer { f.close() }
        let a = Mailbox(), b = Mailbox(), c = Mailbox()
        let ia = try #require(expectPending(try f.start(a), backend, operation.tag))
        let ib = try #require(expectPending(try f.start(b), backend, operation.tag))
        let ic = try #require(expectPending(try f.start(c), backend, operation.tag))
        try api.cancel(f.socket, ia, caller: a)
        let item1 = try await f.trigger(1)
        #expect(try await f.serve(b, ib) == item1)
        let item2 = try await f.trigger(2)
        #expect(try await f.serve(c, ic) == item2)
        await expectNoMessage(a, wait: .milliseconds(100))
        #expect(f.waiting == 0)
    }

    /// The current caller cancels just as its item arrives, many times: every item is
    /// received exactly once, by the caller or by the next one (uring: through the stash).
    @Test(arguments: TestBackends.all, [WaitOperation.accept, .recv, .recvfrom])
    func cancelRacingArrival(backend: Backend, operation: WaitOperation) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let f = try await WaitFixture(api, operation)
        defer { f.close() }
        var got: [String] = []
        var sent: [String] = []
        for n in 0..<60 {
            let mb = Mailbox()
            let r = try f.start(mb)
            if case .ok(let item) = r { got.append(item) }
            let info = r.pending
            async let t = f.trigger(n)
            if n % 3 != 0 { await Task.yield() }
            if let info {
                do {
                    try api.cancel(f.socket, info, caller: mb)
                    await expectNoMessage(mb, about: info.handle, wait: .milliseconds(2))
                } catch {
                    Issue.record("cancel: \(error)")
                }
            }
            sent.append(try await t)
        }
        while got.count < sent.count {
            guard let item = try? await f.take(timeout: .seconds(2)) else { break }
            got.append(item)
        }
        #expect(got == sent)
    }

    /// Messages taken back by cancel keep the stream's order: three callers wait; the data
    /// comes; the first two cancel (the first with its message unread), so the third is
    /// served (on uring, from the stash: the front of what the first got); it cancels with
    /// its message unread too. The next reader gets the stream from its start.
    @Test(arguments: TestBackends.all)
    func takenBackMessagesKeepStreamOrder(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { p.close() }
        let m1 = Mailbox(), m2 = Mailbox(), m3 = Mailbox()
        let i1 = try #require(expectPending(try api.recv(p.server, length: 0, nowait: m1), backend, .recv))
        let i2 = try #require(expectPending(try api.recv(p.server, length: 0, nowait: m2), backend, .recv))
        let i3 = try #require(expectPending(try api.recv(p.server, length: 2, nowait: m3), backend, .recv))
        try await api.send(p.client, Array("abcdef".utf8))
        try #require(await eventually { m1.count == 1 })
        try api.cancel(p.server, i1, caller: m1)
        try api.cancel(p.server, i2, caller: m2)
        try #require(await eventually { m3.count == 1 })
        try api.cancel(p.server, i3, caller: m3)
        #expect(m1.count + m2.count + m3.count == 0)
        #expect(try await api.recv(p.server, length: 6, timeout: .seconds(2)) == Array("abcdef".utf8))
    }

    /// What a cancel took back is handed out in the sizes later callers ask for: a stream
    /// recvmsg into a 4-byte buffer gets 4 bytes, a datagram recvfrom of 4 bytes the first 4.
    @Test(arguments: TestBackends.all)
    func takenBackDataRespectsRequestedSize(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { p.close() }
        let mb = Mailbox()
        let i = try #require(expectPending(try api.recv(p.server, length: 0, nowait: mb), backend, .recv))
        try await api.send(p.client, Array("abcdef".utf8))
        try #require(await eventually { mb.count == 1 })
        try api.cancel(p.server, i, caller: mb)
        let m = try await api.recvmsg(p.server, bufferSizes: [4], timeout: .seconds(2))
        #expect(m.data == Array("abcd".utf8))
        #expect(try await api.recv(p.server, length: 0, timeout: .seconds(2)) == Array("ef".utf8))

        let d = try DatagramPair.make(api)
        defer { d.close() }
        let j = try #require(expectPending(try api.recvfrom(d.a, nowait: mb), backend, .recvfrom))
        try await api.sendto(d.b, Array("0123456789".utf8), to: d.addressA)
        try #require(await eventually { mb.count == 1 })
        try api.cancel(d.a, j, caller: mb)
        let dg = try await api.recvfrom(d.a, length: 4, timeout: .seconds(2))
        #expect(dg.data == Array("0123".utf8))
        #expect(dg.source == d.addressB)
    }

    /// A connection taken back by cancel (uring: kept in the stash) is closed with the
    /// listener: the client sees its connection end.
    @Test(arguments: TestBackends.all)
    func takenBackConnectionClosesWithListener(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let l = try Listener.make(api)
        let mb = Mailbox()
        let i = try #require(expectPending(try api.accept(l.socket, nowait: mb), backend, .accept))
        let c = try await l.connectClient()
        defer { try? api.close(c) }
        try #require(await eventually { mb.count == 1 })
        try api.cancel(l.socket, i, caller: mb)
        try api.close(l.socket)
        do {
            let got = try await api.recv(c, length: 0, timeout: .seconds(2))
            Issue.record("the connection stayed open: got \(got)")
        } catch {
            #expect(error == .closed || error == .errno(.econnreset), "\(error)")
        }
    }

    private func expectInvalidInfo(sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
        do {
            try body()
            Issue.record("cancel succeeded", sourceLocation: sourceLocation)
        } catch let e as SocketError {
            guard case .invalid(.info) = e else {
                Issue.record("expected invalid(info), got \(e)", sourceLocation: sourceLocation)
                return
            }
        } catch {
            Issue.record("\(error)", sourceLocation: sourceLocation)
        }
    }
}
