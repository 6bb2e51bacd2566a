import Testing
@testable import ESock

/// `write` (the outbox) and the send calls on one socket share its byte stream: each call's
/// bytes go out whole, in the order of the calls.
@Suite("Writes and sends on one socket keep call order")
struct WriteOrderTests {
    /// Drives a nowait send to its end the way its backend wants: on poll, call again with
    /// the rest after each `select`; on uring, wait for the completion.
    static func finish(_ api: any SocketAPI, _ socket: Socket, _ data: [UInt8], _ first: Nowait<Int>,
                       _ mailbox: Mailbox) async throws {
        var sent = partialOf(first) ?? 0
        var result = first
        while true {
            switch result {
            case .ok(let n):
                sent += n
                #expect(sent == data.count)
                return
            case .completion(let info, _):
                let m = try #require(await message(mailbox, socket, info.handle, within: .seconds(20)))
                guard case .sent(let n)? = m.status else { Issue.record("send ended with \(m)"); return }
                #expect(sent + n == data.count)
                return
            case .select(let info, _):
                let m = try #require(await message(mailbox, socket, info.handle, within: .seconds(20)))
                #expect(m.isSelect)
                result = try api.send(socket, Array(data[sent...]), nowait: mailbox)
                sent += partialOf(result) ?? 0
            }
        }
    }

    @Test("write, send, write, send, write: the peer gets them whole and in that order",
          arguments: TestBackends.all)
    func interleaved(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { p.close() }
        try shrinkBuffers(api, sender: p.client, receiver: p.server)
        let parts = (0..<5).map { patternBytes($0 * 1000, 300_000 + $0 * 7) }
        let total = parts.reduce(0) { $0 + $1.count }
        let reader = Task { () throws -> [UInt8] in
            var got: [UInt8] = []
            while got.count < total { got += try await api.recv(p.server, length: 0, timeout: .seconds(20)) }
            return got
        }
        let b = Mailbox(), d = Mailbox()
        try api.write(p.client, parts[0])
        let sendB = try api.send(p.client, parts[1], nowait: b)
        try api.write(p.client, parts[2])
        let sendD = try api.send(p.client, parts[3], nowait: d)
        try api.write(p.client, parts[4])
        async let doneB: Void = Self.finish(api, p.client, parts[1], sendB, b)
        async let doneD: Void = Self.finish(api, p.client, parts[3], sendD, d)
        try await doneB
        try await doneD
        let got = try await reader.value
        #expect(got.count == total)
        #expect(got == parts.flatMap { $0 }, "bytes interleaved or out of call order")
    }
}
