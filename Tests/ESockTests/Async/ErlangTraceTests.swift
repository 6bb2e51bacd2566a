import Testing
@testable import ESock

/// Rows 1-16 of the OTP trace (shared/reference/erlang-socket-trace.md), replayed on each
/// backend with that backend's shape: poll gives OTP's Unix answers, uring the completion
/// answers OTP gives on Windows.
@Suite struct ErlangTraceTests {
    @Test(arguments: TestBackends.all)
    func rows1to16(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let poll = backend == .poll
        let me = Mailbox()
        let l = try Listener.make(api)
        defer { try? api.close(l.socket) }
        let c = try api.open(.inet, .stream, .tcp)
        defer { try? api.close(c) }

        // 1: accept(L, nowait) with no client yet.
        let r1 = try api.accept(l.socket, nowait: me)
        let i1 = try #require(expectPending(r1, backend, .accept))
        // 2: connect(C, Addr, nowait).
        let i2 = try #require(expectPending(try api.connect(c, l.address, nowait: me), backend, .connect))
        #expect(i1.handle != i2.handle)
        // 3: the listener's message; 4: the client's message.
        let m3 = try #require(await message(me, l.socket, i1.handle))
        let m4 = try #require(await message(me, c, i2.handle))
        var accepted: Socket?
        if poll {
            #expect(m3.isSelect && m4.isSelect)
        } else {
            guard case .accepted(let s)? = m3.status else { Issue.record("row 3: \(m3)"); return }
            accepted = s
            guard case .ok? = m4.status else { Issue.record("row 4: \(m4)"); return }
        }
        // 5: connect(C) finishes the nowait connect.
        try api.connect(c)
        // 6: accept(L, nowait) again: the connection (poll); uring had it in row 3.
        if poll {
            guard case .ok(let s) = try api.accept(l.socket, nowait: me) else { Issue.record("row 6"); return }
            accepted = s
        }
        let a = try #require(accepted)
        defer { try? api.close(a) }

        // 7: recv(A, 0, nowait) with nothing sent.
        let i7 = try #require(expectPending(try api.recv(a, length: 0, nowait: me), backend, .recv))
        // 8: the same caller again. poll: a new handle replaces the pending one. uring: the
        // caller's operation is in the kernel, so this is a second queueing: invalid(state).
        var current = i7.handle
        if poll {
            let i8 = try #require(expectPending(try api.recv(a, length: 0, nowait: me), backend, .recv))
            #expect(i8.handle != i7.handle)
            current = i8.handle
        } else {
            #expect(throws: SocketError.invalid(.state)) { try api.recv(a, length: 0, nowait: me) }
        }
        // 9: the client sends "hello"; the message names the current handle only.
        try await api.send(c, Array("hello".utf8))
        let m9 = try #require(await message(me, a, current))
        // 10: poll calls again for the data; uring has it in the completion.
        if poll {
            #expect(m9.isSelect)
            await expectNoMessage(me, about: i7.handle, wait: .milliseconds(50))
            guard case .ok(let d) = try api.recv(a, length: 0, nowait: me) else { Issue.record("row 10"); return }
            #expect(d == Array("hello".utf8))
        } else {
            guard case .data(let d)? = m9.status else { Issue.record("row 9: \(m9)"); return }
            #expect(d == Array("hello".utf8))
        }

        // 11: recv(A, 10, nowait) with nothing there.
        let i11 = try #require(expectPending(try api.recv(a, length: 10, nowait: me), backend, .recv))
        // 12: the client sends "abc". poll: select. uring: the read completes short: `more`.
        try await api.send(c, Array("abc".utf8))
        let m12 = try #require(await message(me, a, i11.handle))
        let r13: Nowait<[UInt8]>
        if poll {
            #expect(m12.isSelect)
            // 13: recv(A, 10, nowait) with 3 of 10 bytes there: partial data, still selected.
            r13 = try api.recv(a, length: 10, nowait: me)
        } else {
            guard case .more(let d)? = m12.status else { Issue.record("row 12: \(m12)"); return }
            #expect(d == Array("abc".utf8))
            // 13: with 3 of 10 bytes already there the call gives them with the info at once.
            try await api.send(c, Array("abc".utf8))
            try await Task.sleep(for: .milliseconds(20))  // loopback: the bytes are there by now
            r13 = try api.recv(a, length: 10, nowait: me)
        }
        let i13 = try #require(expectPending(r13, backend, .recv))
        #expect(partialOf(r13) == Array("abc".utf8))
        #expect(i13.handle != i11.handle)
        // The other 7 bytes.
        try await api.send(c, Array("defghij".utf8))
        let m13 = try #require(await message(me, a, i13.handle))
        if poll {
            #expect(m13.isSelect)
            guard case .ok(let d) = try api.recv(a, length: 7, nowait: me) else { Issue.record("row 13 rest"); return }
            #expect(d == Array("defghij".utf8))
        } else {
            guard case .data(let d)? = m13.status else { Issue.record("row 13 rest: \(m13)"); return }
            #expect(d == Array("defghij".utf8))
        }

        // 14: recv(A, 0, nowait) then cancel: ok, and no message afterwards.
        let r14 = try api.recv(a, length: 0, nowait: me)
        let i14 = try #require(expectPending(r14, backend, .recv))
        try api.cancel(a, r14, caller: me)
        try await api.send(c, Array("x".utf8))
        await expectNoMessage(me, about: i14.handle)
        #expect(try await api.recv(a, length: 1, timeout: .seconds(5)) == Array("x".utf8))

        // 15: recv(A, 0, nowait), then another task closes A: abort(closed).
        let i15 = try #require(expectPending(try api.recv(a, length: 0, nowait: me), backend, .recv))
        try await Task.detached { try api.close(a) }.value
        let m15 = try #require(await message(me, a, i15.handle))
        #expect(m15.abortReason == .closed)
        // 16: recv on the closed socket.
        #expect(throws: SocketError.closed) { try api.recv(a, length: 0, nowait: me) }
        await expectNoMessage(me, wait: .milliseconds(50))
    }
}
