import Testing
@testable import ESock

/// A send that went out is never reported as not sent: a caller that retries what it is told
/// was unsent must not put bytes on the stream twice.
@Suite("Send outcomes survive timeouts and cancels")
struct SendOutcomeTests {
    @Test("an awaiting send that times out reports as unsent exactly what did not go out",
          arguments: TestBackends.all)
    func timeoutPartial(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { p.close() }
        try shrinkBuffers(api, sender: p.client, receiver: p.server)
        let data = patternBytes(41, 1 << 20)
        var unsent: [UInt8] = []
        do {
            try await api.send(p.client, data, timeout: .milliseconds(200))
            Issue.record("1 MiB fit into shrunk buffers")
        } catch let e {
            #expect(e.reason == .timeout)
            unsent = e.partialData
        }
        #expect(!unsent.isEmpty && unsent.count < data.count)
        let expected = data.count - unsent.count
        #expect(Array(data.suffix(unsent.count)) == unsent, "the unsent part is the tail")
        var got: [UInt8] = []
        while got.count < expected {
            got += try await api.recv(p.server, length: 0, timeout: .seconds(5))
        }
        #expect(got == Array(data.prefix(expected)), "what went out is exactly what was not reported unsent")
        await #expect(throws: SocketError.timeout) {
            _ = try await api.recv(p.server, length: 1, timeout: .milliseconds(100))
        }
    }

    @Test("cancelling a send that already completed fails, and its completion stays (uring)")
    func cancelCompletedSend() async throws {
        guard let api = try TestBackends.api(.uring) else { return }
        let p = try await StreamPair.make(api)
        defer { p.close() }
        try shrinkBuffers(api, sender: p.client, receiver: p.server)
        // Fill the socket so the next send goes to the kernel.
        var filled = 0
        while true {
            let mb = Mailbox()
            let r = try api.send(p.client, patternBytes(filled, 65536), nowait: mb)
            guard case .ok(let n) = r else {
                // In the kernel now: drain the peer so it completes.
                let info = try #require(expectPending(r, .uring, .send))
                let total = filled + 65536
                var got = 0
                while got < total { got += try await api.recv(p.server, length: 0, timeout: .seconds(5)).count }
                try #require(await eventually { mb.count == 1 })
                #expect(throws: SocketError.self) { try api.cancel(p.client, info, caller: mb) }
                let m = try #require(mb.tryReceive())
                guard case .sent(let n)? = m.status else { Issue.record("expected sent, got \(m)"); return }
                #expect(n + (partialOf(r) ?? 0) == 65536)
                return
            }
            filled += n
            if filled > 8 << 20 { Issue.record("the socket never filled"); return }
        }
    }
}
