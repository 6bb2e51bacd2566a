import Testing
@testable import ESock

/// A nowait send that wrote part, and its continuation (OTP's `{select, {SelectInfo,
/// RestData}}` and `send(Socket, RestData, Cont, nowait)`): the rest goes out after `select`
/// under the same handle; every byte arrives once, in order.
@Suite struct SendContinuationTests {
    @Test(arguments: TestBackends.all)
    func theRestGoesOutUnderTheSameHandle(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { p.close() }
        try shrinkBuffers(api, sender: p.client, receiver: p.server)
        let data = patternBytes(5, 1 << 20)
        let receiving = Task { () throws -> [UInt8] in
            var got: [UInt8] = []
            while got.count < data.count { got += try await api.recv(p.server, length: 0, timeout: .seconds(10)) }
            return got
        }
        let mb = Mailbox()
        var r = try api.send(p.client, data, nowait: mb)
        var rest = r.rest(of: data)
        var rounds = 0
        while let left = rest, !left.isEmpty, rounds < 10_000 {
            rounds += 1
            let handle = try #require(r.handle)
            let m = try #require(await message(mb, p.client, handle))
            switch m {
            case .select:
                #expect(backend == .poll)
                // The continuation: the rest, under the same handle.
                r = try api.send(p.client, left, nowait: mb, handle: handle)
                if case .select(let i, _) = r { #expect(i.handle == handle) }
                rest = r.rest(of: left)
            default:
                Issue.record("\(m)")
                return
            }
        }
        if backend == .poll { #expect(rounds > 0, "1 MB into 16 KB buffers went out at once") }
        if case .completion(let i, _) = r {
            // uring: nothing is left to the caller; the completion reports the kernel's part.
            #expect(rest == [])
            guard case .sent? = await message(mb, p.client, i.handle)?.status else { Issue.record("no count"); return }
        }
        #expect(try await receiving.value == data)
    }

    @Test func restOfAResult() {
        let data: [UInt8] = [1, 2, 3, 4]
        let info = SelectInfo(tag: .send, handle: Handle())
        #expect(Nowait<Int>.ok(4).rest(of: data) == nil)
        #expect(Nowait<Int>.select(info, partial: 3).rest(of: data) == [4])
        #expect(Nowait<Int>.select(info, partial: nil).rest(of: data) == data)
    }
}
