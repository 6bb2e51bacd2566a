import Testing
@testable import ESock

/// One current operation per direction, other callers queued FIFO, the same caller queueing
/// twice refused, poll's lock-out of other callers while the current one is selected, and
/// sends that never reorder or interleave.
@Suite struct QueueTests {
    /// poll: the current caller calling again is the retry (new handle); a queued caller
    /// calling again is `invalid(state)`. uring: any caller already in the queue (the current
    /// one's operation is in the kernel) gets `invalid(state)`.
    @Test(arguments: TestBackends.all, WaitOperation.allCases)
    func sameCallerTwice(backend: Backend, operation: WaitOperation) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let f = try await WaitFixture(api, operation)
        defer { f.close() }
        let a = Mailbox(), b = Mailbox()
        var ia = try #require(expectPending(try f.start(a), backend, operation.tag))
        let ib = try #require(expectPending(try f.start(b), backend, operation.tag))
        #expect(throws: SocketError.invalid(.state)) { try f.start(b) }
        if backend == .poll {
            let again = try #require(expectPending(try f.start(a), backend, operation.tag))
            #expect(again.handle != ia.handle)
            ia = again
        } else {
            #expect(throws: SocketError.invalid(.state)) { try f.start(a) }
        }
        #expect(f.waiting == 2)
        // The refused calls changed nothing: both are still served, in order.
        let i1 = try await f.trigger(1)
        #expect(try await f.serve(a, ia) == i1)
        let i2 = try await f.trigger(2)
        #expect(try await f.serve(b, ib) == i2)
    }

    /// Several mailboxes queue in one direction and are served strictly in arrival order.
    @Test(arguments: TestBackends.all, WaitOperation.allCases)
    func fifoMailboxes(backend: Backend, operation: WaitOperation) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let f = try await WaitFixture(api, operation)
        defer { f.close() }
        let callers = (0..<5).map { _ in Mailbox() }
        var infos: [PendingInfo] = []
        for mb in callers { infos.append(try #require(expectPending(try f.start(mb), backend, operation.tag))) }
        #expect(f.waiting == 5)
        for (n, (mb, info)) in zip(callers, infos).enumerated() {
            let item = try await f.trigger(n)
            #expect(try await f.serve(mb, info) == item, "caller \(n)")
            // No one later in line has been served.
            for later in callers[(n + 1)...] { #expect(later.tryReceive { !$0.isSelect } == nil) }
        }
        #expect(f.waiting == 0)
    }

    /// Several tasks in awaiting calls queue in the order they called and are served so.
    @Test(arguments: TestBackends.all, WaitOperation.allCases)
    func fifoAwaitingTasks(backend: Backend, operation: WaitOperation) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let f = try await WaitFixture(api, operation)
        defer { f.close() }
        var tasks: [Task<String?, Never>] = []
        for n in 0..<4 {
            tasks.append(Task { try? await f.take(timeout: .seconds(10)) })
            try #require(await eventually { f.waiting == n + 1 })
        }
        for (n, t) in tasks.enumerated() {
            let item = try await f.trigger(n)
            let got = try await withinLimit(.seconds(5)) { await t.value }
            #expect(got == .some(item), "task \(n)")
        }
    }

    /// poll: while the current caller has been told `select` and has not called again, the
    /// others are locked out: a new nowait caller queues, an awaiting caller times out; once
    /// the current caller has called, the next in line gets `select`.
    @Test(arguments: [WaitOperation.accept, .recv, .recvfrom])
    func pollLocksOutOthersWhileSelected(operation: WaitOperation) async throws {
        guard let api = try TestBackends.api(.poll) else { return }
        let f = try await WaitFixture(api, operation)
        defer { f.close() }
        let a = Mailbox(), b = Mailbox()
        let ia = try #require(expectPending(try f.start(a), .poll, operation.tag))
        let item1 = try await f.trigger(1)
        try #require(await eventually { a.count == 1 })
        let item2 = try await f.trigger(2)
        // Items are there, but A holds the turn.
        let rb = try f.start(b)
        let ib = try #require(expectPending(rb, .poll, operation.tag))
        await #expect(throws: SocketError.timeout) { try await f.take(timeout: .milliseconds(100)) }
        await expectNoMessage(b, wait: .milliseconds(50))
        #expect(try await f.serve(a, ia) == item1)
        // A has called: B's turn, at once.
        #expect(try await f.serve(b, ib) == item2)
    }

    /// poll: when the current caller has its result, the next caller in line becomes current
    /// but is told `select` only once the socket is ready for it: at once when its item is
    /// already there, else when it arrives (OTP 25 does the same; it used to be told at once,
    /// found nothing and was selected again).
    @Test(arguments: [WaitOperation.accept, .recv, .recvfrom], [false, true])
    func pollNextCallerSelectedWhenReady(operation: WaitOperation, itemAlreadyThere: Bool) async throws {
        guard let api = try TestBackends.api(.poll) else { return }
        let f = try await WaitFixture(api, operation)
        defer { f.close() }
        let a = Mailbox(), b = Mailbox()
        let ia = try #require(expectPending(try f.start(a), .poll, operation.tag))
        let ib = try #require(expectPending(try f.start(b), .poll, operation.tag))
        let item1 = try await f.trigger(1)
        try #require(await eventually { a.count == 1 })
        var item2 = itemAlreadyThere ? try await f.trigger(2) : nil
        #expect(try await f.serve(a, ia) == item1)
        if item2 == nil {
            await expectNoMessage(b, wait: .milliseconds(100))
            item2 = try await f.trigger(2)
        }
        #expect(try await f.serve(b, ib) == item2)
    }

    /// poll: the selected current caller cancels instead of calling: the next caller gets
    /// `select` and the item.
    @Test(arguments: [WaitOperation.accept, .recv, .recvfrom])
    func pollSelectedCallerCancels(operation: WaitOperation) async throws {
        guard let api = try TestBackends.api(.poll) else { return }
        let f = try await WaitFixture(api, operation)
        defer { f.close() }
        let a = Mailbox(), b = Mailbox()
        let ia = try #require(expectPending(try f.start(a), .poll, operation.tag))
        let ib = try #require(expectPending(try f.start(b), .poll, operation.tag))
        let item = try await f.trigger(1)
        try #require(await eventually { a.count == 1 })
        try api.cancel(f.socket, ia, caller: a)
        #expect(a.count == 0)
        #expect(try await f.serve(b, ib) == item)
    }

    /// connect and send share the write direction: a send from another caller during a
    /// nowait connect waits for the connect, then goes out. (The listener's backlog is full,
    /// so the connect stays pending until the backlog is drained and the SYN is resent.)
    @Test(arguments: TestBackends.all)
    func sendQueuesBehindConnect(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let l = try Listener.make(api, backlog: 0)
        var fillers: [Socket] = []
        defer { for s in fillers + [l.socket] { try? api.close(s) } }
        try #require(try await l.fillBacklog(&fillers))
        let c = try api.open(.inet, .stream, .tcp)
        defer { try? api.close(c) }
        let connector = Mailbox(), sender = Mailbox()
        let ic = try #require(expectPending(try api.connect(c, l.address, nowait: connector), backend, .connect))
        let rs = try api.send(c, Array("queued".utf8), nowait: sender)
        let isend = try #require(expectPending(rs, backend, .send))
        #expect(api.info(c).numWriters == 2)
        await expectNoMessage(sender, wait: .milliseconds(50))
        // Make room: the connect completes when its SYN is resent.
        for _ in fillers { try api.close(try await api.accept(l.socket, timeout: .seconds(2))) }
        let m = try #require(await message(connector, c, ic.handle, within: .seconds(8)))
        if backend == .poll {
            #expect(m.isSelect)
            try api.connect(c)
            #expect(await message(sender, c, isend.handle)?.isSelect == true)
            guard case .ok(let n) = try api.send(c, Array("queued".utf8), nowait: sender) else { Issue.record("send"); return }
            #expect(n == 6)
        } else {
            guard case .ok? = m.status else { Issue.record("connect: \(m)"); return }
            guard case .sent(let n)? = await message(sender, c, isend.handle)?.status else { Issue.record("send"); return }
            #expect(n == 6)
        }
        let a = try await api.accept(l.socket, timeout: .seconds(5))
        defer { try? api.close(a) }
        #expect(try await api.recv(a, length: 6, timeout: .seconds(5)) == Array("queued".utf8))
    }

    /// Sends on one stream socket from several tasks, awaiting and nowait alike, each send
    /// big enough to block part-way: the received stream is a concatenation of whole sends,
    /// each task's sends in its order.
    @Test(arguments: TestBackends.all)
    func sendsNeverInterleave(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { p.close() }
        try shrinkBuffers(api, sender: p.client, receiver: p.server)
        let size = 30_000, perTask = 5, tasks = 6
        let total = size * perTask * tasks
        let reader = Task { () throws -> [UInt8] in
            try api.setopt(p.server, SocketOption(.otp, "rcvbuf"), .int(65536))
            var got: [UInt8] = []
            while got.count < total { got += try await api.recv(p.server, length: 0, timeout: .seconds(10)) }
            return got
        }
        try await withThrowingTaskGroup(of: Void.self) { g in
            for t in 0..<tasks {
                g.addTask {
                    let mb = Mailbox()
                    for s in 0..<perTask {
                        let block = Self.block(task: t, seq: s, size: size)
                        if t % 2 == 0 {
                            try await api.send(p.client, block, timeout: .seconds(10))
                        } else {
                            try await Self.nowaitSend(api, backend, p.client, block, mb)
                        }
                    }
                }
            }
            try await g.waitForAll()
        }
        let got = try await reader.value
        #expect(got.count == total)
        var next = [Int](repeating: 0, count: tasks)
        for start in stride(from: 0, to: got.count - size + 1, by: size) {
            let t = Int(got[start]), s = Int(got[start + 1])
            guard t < tasks, s == next[t], got[start..<(start + size)].elementsEqual(Self.block(task: t, seq: s, size: size)) else {
                Issue.record("bytes \(start)..<\(start + size) are not send #\(next[min(t, tasks - 1)]) of task \(t) whole")
                return
            }
            next[t] += 1
        }
        #expect(next == [Int](repeating: perTask, count: tasks))
    }

    /// Send `seq` of task `task`: its two numbers, then a pattern of its own.
    private static func block(task: Int, seq: Int, size: Int) -> [UInt8] {
        [UInt8(task), UInt8(seq)] + patternBytes(task * 7919 + seq * 104_729, size - 2)
    }

    /// Sends all of `data` with nowait calls, following the messages.
    private static func nowaitSend(_ api: any SocketAPI, _ backend: Backend, _ s: Socket, _ data: [UInt8],
                                   _ mb: Mailbox) async throws {
        var sent = 0
        var r = try api.send(s, data, nowait: mb)
        for _ in 0..<100_000 {
            switch r {
            case .ok(let n):
                sent += n
                #expect(sent == data.count)
                return
            case .select(let info, let partial):
                sent += partial ?? 0
                guard let m = await message(mb, s, info.handle, within: .seconds(10)) else { return }
                #expect(m.isSelect)
                r = try api.send(s, Array(data[sent...]), nowait: mb)
            case .completion(let info, let partial):
                sent += partial ?? 0
                guard let m = await message(mb, s, info.handle, within: .seconds(10)) else { return }
                guard case .sent(let n)? = m.status else { Issue.record("send: \(m)"); return }
                sent += n
                #expect(sent == data.count)
                return
            }
        }
        Issue.record("send did not finish")
    }
}
