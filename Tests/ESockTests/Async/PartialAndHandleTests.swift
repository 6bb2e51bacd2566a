import Testing
@testable import ESock

/// Partial stream reads with their select/completion info, and handles the caller supplies
/// (OTP's async_ref group: a reference of the caller's own instead of `nowait`).
@Suite struct PartialAndHandleTests {
    /// recv(length: 10) with 3 bytes there: poll `select(info, partial: 3 bytes)`, uring
    /// `completion(info, partial: 3 bytes)`; the rest then completes the call.
    @Test(arguments: TestBackends.all)
    func partialThenRest(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { p.close() }
        let mb = Mailbox()
        try await api.send(p.client, Array("abc".utf8))
        try await Task.sleep(for: .milliseconds(20))  // loopback: the bytes are there by now
        let r = try api.recv(p.server, length: 10, nowait: mb)
        let info = try #require(expectPending(r, backend, .recv))
        #expect(partialOf(r) == Array("abc".utf8))
        await expectNoMessage(mb, wait: .milliseconds(50))
        try await api.send(p.client, Array("defghij".utf8))
        let m = try #require(await message(mb, p.server, info.handle))
        if backend == .poll {
            #expect(m.isSelect)
            guard case .ok(let d) = try api.recv(p.server, length: 7, nowait: mb) else { Issue.record("rest"); return }
            #expect(d == Array("defghij".utf8))
        } else {
            guard case .data(let d)? = m.status else { Issue.record("expected data, got \(m)"); return }
            #expect(d == Array("defghij".utf8))
        }
        #expect(api.info(p.server).numReaders == 0)
    }

    /// recv(length: 10) with 3 bytes there, then only 2 more: poll selects again and the
    /// call gives the 2 with a new info; uring completes with `more` (2 bytes).
    @Test(arguments: TestBackends.all)
    func partialThenMore(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { p.close() }
        let mb = Mailbox()
        try await api.send(p.client, Array("abc".utf8))
        try await Task.sleep(for: .milliseconds(20))
        let r = try api.recv(p.server, length: 10, nowait: mb)
        let info = try #require(expectPending(r, backend, .recv))
        #expect(partialOf(r) == Array("abc".utf8))
        try await api.send(p.client, Array("de".utf8))
        let m = try #require(await message(mb, p.server, info.handle))
        if backend == .poll {
            #expect(m.isSelect)
            let r2 = try api.recv(p.server, length: 7, nowait: mb)
            let i2 = try #require(expectPending(r2, backend, .recv))
            #expect(partialOf(r2) == Array("de".utf8))
            #expect(i2.handle != info.handle)
            try api.cancel(p.server, i2, caller: mb)
        } else {
            guard case .more(let d)? = m.status else { Issue.record("expected more, got \(m)"); return }
            #expect(d == Array("de".utf8))
        }
        // Nothing of the stream was lost or doubled, and the counters saw every byte.
        try await api.send(p.client, Array("f".utf8))
        #expect(try await api.recv(p.server, length: 1, timeout: .seconds(5)) == Array("f".utf8))
        #expect(api.info(p.server).counters.readByte == 6)
    }

    /// A datagram recv for fewer bytes than the datagram is never partial: one call, one
    /// datagram (the rest is dropped by the kernel, as OTP).
    @Test(arguments: TestBackends.all)
    func datagramIsNeverPartial(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let d = try DatagramPair.make(api)
        defer { d.close() }
        try await api.sendto(d.b, Array("0123456789".utf8), to: d.addressA)
        try await Task.sleep(for: .milliseconds(20))
        guard case .ok(let dg) = try api.recvfrom(d.a, length: 4, nowait: Mailbox()) else {
            Issue.record("datagram not received at once"); return
        }
        #expect(dg.data == Array("0123".utf8))
    }

    /// `handle: Handle(rawValue: 42)` is the handle in the info and in the message, for each
    /// waiting operation, and cancel accepts it.
    @Test(arguments: TestBackends.all, WaitCase.all(on: [Domain.inet, .inet6]))
    func callerSuppliedHandle(backend: Backend, wait: WaitCase) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let operation = wait.operation
        let f = try await WaitFixture(api, operation, domain: wait.domain)
        defer { f.close() }
        let mine = Handle(rawValue: 42)
        let mb = Mailbox()
        let info = try #require(expectPending(try f.start(mb, handle: mine), backend, operation.tag))
        #expect(info.handle == mine)
        let item = try await f.trigger(1)
        let m = try #require(await message(mb, f.socket, mine))
        #expect(m.handle == mine)
        switch m {
        case .select:
            guard case .ok(let got) = try f.start(mb, handle: Handle(rawValue: 43)) else { Issue.record("after select"); return }
            #expect(got == item)
        case .completion(_, _, let status):
            #expect(f.item(of: status) == item)
        case .abort, .down:
            Issue.record("\(m)")
        }
        // Cancel by the caller's own handle.
        let info2 = try #require(expectPending(try f.start(mb, handle: Handle(rawValue: 44)), backend, operation.tag))
        #expect(info2.handle == Handle(rawValue: 44))
        try api.cancel(f.socket, info2, caller: mb)
        await expectNoMessage(mb, wait: .milliseconds(50))
    }

    /// A caller-supplied handle on a connect and a send (the write direction).
    @Test(arguments: TestBackends.all, [Domain.inet, .inet6])
    func callerSuppliedHandleOnWrites(backend: Backend, domain: Domain) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let l = try Listener.make(api, domain: domain)
        defer { try? api.close(l.socket) }
        let c = try api.open(domain, .stream, .tcp)
        defer { try? api.close(c) }
        let mb = Mailbox()
        let r = try api.connect(c, l.address, nowait: mb, handle: Handle(rawValue: 7))
        #expect(expectPending(r, backend, .connect)?.handle == Handle(rawValue: 7))
        #expect(await message(mb, c, Handle(rawValue: 7)) != nil)
        try api.connect(c)
        let a = try await api.accept(l.socket, timeout: .seconds(5))
        defer { try? api.close(a) }
        try shrinkBuffers(api, sender: c, receiver: a)
        let data = patternBytes(0, 1 << 20)
        let s = try api.send(c, data, nowait: mb, handle: Handle(rawValue: 8))
        #expect(expectPending(s, backend, .send)?.handle == Handle(rawValue: 8))
        try api.cancel(c, s, caller: mb)
    }
}
