import Testing
@testable import ESock

/// Steady traffic reuses a direction's waiter, a uring operation (with its receive memory)
/// and an awaiting call's private mailbox. What is kept for reuse must hold nothing of the
/// call that ended: not its caller, whose mailbox may hold a message about the socket (that
/// would keep a dropped socket, and its descriptor, alive), and not its data.
@Suite("Reused waiters, operations and mailboxes")
struct ReuseTests {
    @Test("sockets whose calls ended give their descriptors back when dropped with unread messages",
          arguments: TestBackends.all)
    func droppedAfterReuse(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        var watch = DescriptorWatch()
        var clients: [Socket] = []
        do {
            for round in 0..<10 {
                let p = try await StreamPair.make(api)
                try api.close(p.listener)
                clients.append(p.client)
                // Awaiting calls, twice (the second reuses the first's mailbox and waiter).
                for _ in 0..<2 {
                    try await api.send(p.client, [1, 2, 3])
                    #expect(try await api.recv(p.server, length: 3, timeout: .seconds(10)) == [1, 2, 3])
                }
                // A nowait receive that finishes; on uring its completion stays unread.
                let mailbox = Mailbox()
                let first = try api.recv(p.server, length: 0, nowait: mailbox)
                try await api.send(p.client, [UInt8(round)])
                if case .select = first {
                    _ = await mailbox.receive(timeout: .seconds(10))
                    guard case .ok(let d) = try api.recv(p.server, length: 0, nowait: mailbox) else {
                        Issue.record("poll: recv after select did not finish")
                        continue
                    }
                    #expect(d == [UInt8(round)])
                    // Leave a message about the socket unread in the mailbox on this backend too.
                    mailbox.post(.select(p.server, Handle()))
                } else {
                    #expect(await eventually { mailbox.count == 1 }, "the completion arrives")
                }
                let noted = watch.note(p.server)
                #expect(noted)
            }
        }
        let gone = await eventually(.seconds(5)) { watch.stillOpen == 0 }
        #expect(gone, "\(watch.stillOpen) of \(watch.count) dropped sockets still hold their descriptor")
        for c in clients { try? api.close(c) }
    }

    @Test("an awaiting call after a timed-out one gets its own result", arguments: TestBackends.all)
    func afterTimeout(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { p.close() }
        for round in 0..<5 {
            await #expect(throws: SocketError.timeout) {
                _ = try await api.recv(p.server, length: 0, timeout: .milliseconds(20))
            }
            let message = patternBytes(round, 1000)
            try await api.send(p.client, message)
            #expect(try await api.recv(p.server, length: 1000, timeout: .seconds(10)) == message)
        }
    }
}
