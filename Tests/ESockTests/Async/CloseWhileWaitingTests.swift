import Testing
@testable import ESock

/// OTP socket_SUITE group `socket_close` (sc_lc_*: local close, sc_rc_*: remote close,
/// sc_rs_*: remote shutdown) and socket_api_SUITE's api_a_m*_cancel cases, which close the
/// socket under several waiting callers. The close cases run on IPv4, IPv6 and Unix sockets
/// (OTP's tcp4/tcp6/tcpL and udp4/udp6/udpL variants).
@Suite struct CloseWhileWaitingTests {
    /// Several callers (mailboxes) wait; another task closes the socket: each gets exactly
    /// one `abort(socket, handle, closed)` and no select/completion; later calls give closed.
    @Test(arguments: TestBackends.all, WaitCase.all(on: Domain.allCases))
    func localCloseAbortsMailboxes(backend: Backend, wait: WaitCase) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let operation = wait.operation
        let f = try await WaitFixture(api, operation, domain: wait.domain)
        defer { f.close() }
        let callers = (0..<3).map { _ in Mailbox() }
        var infos: [PendingInfo] = []
        for (i, mb) in callers.enumerated() {
            // The last one brings its own handle.
            let r = try f.start(mb, handle: i == 2 ? Handle(rawValue: 4242) : nil)
            infos.append(try #require(expectPending(r, backend, operation.tag)))
        }
        #expect(infos[2].handle == Handle(rawValue: 4242))
        #expect(f.waiting == 3)
        await expectNoMessage(callers[0], wait: .milliseconds(50))
        try await Task.detached { try api.close(f.socket) }.value
        for (mb, info) in zip(callers, infos) {
            let m = try #require(await message(mb, f.socket, info.handle))
            guard case .abort(let s, let h, let reason) = m else { Issue.record("expected abort, got \(m)"); continue }
            #expect(s === f.socket && h == info.handle && reason == .closed)
        }
        for mb in callers { await expectNoMessage(mb, wait: .milliseconds(100)) }
        #expect(throws: SocketError.closed) { try f.start(Mailbox()) }
        #expect(throws: SocketError.closed) { try api.close(f.socket) }
        await #expect(throws: SocketError.closed) { try await f.take() }
    }

    /// poll: the current caller was told `select` but has not called again when the socket
    /// closes. As in OTP 25, it gets no abort (it has its message; its next call returns
    /// `closed`), while a caller queued behind it still waiting for a message gets the abort.
    @Test(arguments: [WaitOperation.accept, .recv, .recvfrom])
    func localCloseAfterSelect(operation: WaitOperation) async throws {
        guard let api = try TestBackends.api(.poll) else { return }
        let f = try await WaitFixture(api, operation)
        defer { f.close() }
        let a = Mailbox(), b = Mailbox()
        let ia = try #require(expectPending(try f.start(a), .poll, operation.tag))
        let ib = try #require(expectPending(try f.start(b), .poll, operation.tag))
        try await f.trigger(1)
        try #require(await eventually { a.count == 1 })
        try api.close(f.socket)
        let m = try #require(await message(a, f.socket, ia.handle))
        #expect(m.isSelect, "the selected caller keeps its select: \(m)")
        #expect(await message(b, f.socket, ib.handle)?.abortReason == .closed)
        await expectNoMessage(a, wait: .milliseconds(100))
        await expectNoMessage(b, wait: .milliseconds(1))
        #expect(throws: SocketError.closed) { try f.start(a) }
    }

    /// Several tasks wait in awaiting calls; the socket closes: each throws closed.
    @Test(arguments: TestBackends.all, WaitCase.all(on: Domain.allCases))
    func localCloseWakesAwaitingCallers(backend: Backend, wait: WaitCase) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let operation = wait.operation
        let f = try await WaitFixture(api, operation, domain: wait.domain)
        defer { f.close() }
        // A nowait caller too, so the awaiting ones are current and queued alike.
        let mb = Mailbox()
        let info = try #require(expectPending(try f.start(mb), backend, operation.tag))
        let tasks = (0..<3).map { _ in
            Task { () -> SocketError? in
                do {
                    _ = try await f.take(timeout: .infinity)
                    return nil
                } catch {
                    return error as? SocketError
                }
            }
        }
        try #require(await eventually { f.waiting == 4 })
        try api.close(f.socket)
        for t in tasks {
            let e = try await withinLimit(.seconds(5)) { await t.value }
            #expect(e == .some(.closed))
        }
        #expect(await message(mb, f.socket, info.handle)?.abortReason == .closed)
    }

    /// sc_rc_*: the peer closes while callers wait in recv/recvmsg: each gets closed, as a
    /// completion error (uring) or from the call after `select` (poll).
    @Test(arguments: TestBackends.all, WaitCase.all([WaitOperation.recv, .recvmsgStream], on: Domain.allCases))
    func remoteClose(backend: Backend, wait: WaitCase) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let operation = wait.operation
        let f = try await WaitFixture(api, operation, domain: wait.domain)
        defer { f.close() }
        let a = Mailbox(), b = Mailbox()
        let ia = try #require(expectPending(try f.start(a), backend, operation.tag))
        let ib = try #require(expectPending(try f.start(b), backend, operation.tag))
        let awaiting = Task { () -> SocketError? in
            do { _ = try await f.take(timeout: .seconds(10)); return nil } catch { return error as? SocketError }
        }
        try #require(await eventually { f.waiting == 3 })
        try api.close(try #require(f.peerSocket))
        for (mb, info) in [(a, ia), (b, ib)] {
            #expect(try await closedResult(api, f, mb, info) == .closed)
        }
        #expect(await awaiting.value == .closed)
        #expect(f.waiting == 0)
    }

    /// sc_rs_*: the peer sends, then shuts down writing, while the server waits: the server
    /// gets the data, then closed; it can still send its reply, which the peer receives.
    @Test(arguments: TestBackends.all, WaitCase.all([WaitOperation.recv, .recvmsgStream], on: Domain.allCases))
    func remoteShutdown(backend: Backend, wait: WaitCase) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let operation = wait.operation
        let f = try await WaitFixture(api, operation, domain: wait.domain)
        defer { f.close() }
        let peer = try #require(f.peerSocket)
        let mb = Mailbox()
        let i1 = try #require(expectPending(try f.start(mb), backend, operation.tag))
        let item = try await f.trigger(1)
        #expect(try await f.serve(mb, i1) == item)
        let i2 = try #require(expectPending(try f.start(mb), backend, operation.tag))
        try api.shutdown(peer, .write)
        #expect(try await closedResult(api, f, mb, i2) == .closed)
        // The other direction still works.
        try await api.send(f.socket, Array("hoppsan".utf8), timeout: .seconds(5))
        #expect(try await api.recv(peer, length: 7, timeout: .seconds(5)) == Array("hoppsan".utf8))
        await #expect(throws: SocketError.closed) { try await f.take() }
    }

    /// The peer closes with data still unread: the data first, then closed.
    @Test(arguments: TestBackends.all)
    func remoteCloseAfterData(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { p.close() }
        let mb = Mailbox()
        let r = try api.recv(p.server, length: 10, nowait: mb)
        let info = try #require(expectPending(r, backend, .recv))
        try await api.send(p.client, Array("abc".utf8))
        try api.close(p.client)
        let m = try #require(await message(mb, p.server, info.handle))
        switch backend {
        case .poll:
            #expect(m.isSelect)
            // 3 of 10 bytes, then the end of the stream: closed with the partial data.
            do {
                let r2 = try api.recv(p.server, length: 10, nowait: mb)
                Issue.record("expected closed, got \(r2)")
            } catch {
                #expect(error.reason == .closed)
                #expect(error.partialData == Array("abc".utf8))
            }
        default:
            // The kernel read ends short with what came: `more`; the next read sees the end.
            guard case .more(let d)? = m.status else { Issue.record("expected more, got \(m)"); return }
            #expect(d == Array("abc".utf8))
            // The end of the stream: at once if the FIN is already in, else as the completion
            // of the receive that waits for it (a loaded machine delivers it a little later).
            do {
                let again = try api.recv(p.server, length: 10, nowait: mb)
                let i2 = try #require(expectPending(again, backend, .recv))
                let end = try #require(await message(mb, p.server, i2.handle))
                #expect(end.status?.error == .closed, "\(end)")
            } catch let e as SocketError {
                #expect(e == .closed)
            }
        }
    }

    /// An awaiting recv(length: 10) has 3 bytes when 2 more and the end of the stream come:
    /// it throws closed with all 5 bytes.
    @Test(arguments: TestBackends.all)
    func remoteCloseDuringAwaitingRecvKeepsAllData(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { p.close() }
        let t = Task { try await api.recv(p.server, length: 10, timeout: .seconds(5)) }
        try #require(await eventually { api.info(p.server).numReaders == 1 })
        try await api.send(p.client, Array("abc".utf8))
        try #require(await eventually { api.info(p.server).counters.readByte == 3 })
        try await api.send(p.client, Array("de".utf8))
        try api.close(p.client)
        let r = try await withinLimit(.seconds(5)) { await t.result }
        guard case .failure(let e)? = r, let e = e as? SocketError else { Issue.record("expected closed, got \(String(describing: r))"); return }
        #expect(e == .partial(.closed, data: Array("abcde".utf8)))
    }

    /// The error a waiting caller ends with after the peer closed: from the completion on
    /// uring, from the call after `select` on poll.
    private func closedResult(_ api: any SocketAPI, _ f: WaitFixture, _ mb: Mailbox, _ info: PendingInfo,
                              sourceLocation: SourceLocation = #_sourceLocation) async throws -> SocketError? {
        let m = try #require(await message(mb, f.socket, info.handle, sourceLocation: sourceLocation),
                             sourceLocation: sourceLocation)
        switch m {
        case .select:
            do {
                let r = try f.start(mb)
                Issue.record("expected an error after select, got \(r)", sourceLocation: sourceLocation)
                return nil
            } catch {
                return error
            }
        case .completion(_, _, let status):
            return status.error
        case .abort(_, _, let reason), .down(_, _, let reason):
            Issue.record("\(m): \(reason)", sourceLocation: sourceLocation)
            return nil
        }
    }
}
