import Testing
@testable import ESock

/// `i(_:keys:)`, the table OTP's `socket:i()` prints: its columns, addresses and states.
@Suite struct SocketTableTests {
    @Test(arguments: TestBackends.all)
    func listsSocketsWithOTPsColumns(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let owner = Mailbox()
        let p = try await StreamPair.make(api)
        defer { p.close() }
        try api.setOwner(p.listener, to: owner, caller: nil)
        let port = try #require(try api.sockname(p.listener).port)
        try await api.send(p.client, [1, 2, 3])
        _ = try await api.recv(p.server, length: 3, timeout: .seconds(5))

        let table = api.i([p.listener, p.client, p.server])
        let lines = table.split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        #expect(lines[0].hasPrefix("Domain Type   Protocol Fd"))
        #expect(lines[0].contains("Local Address") && lines[0].contains("Remote Address") && lines[0].hasSuffix("State"))
        #expect(lines[1].hasPrefix("inet   STREAM TCP"))
        #expect(lines[1].contains("\(owner)") && lines[1].contains("localhost:\(port)") && lines[1].contains("BD:LG"))
        #expect(lines[2].contains("localhost:\(port)") && lines[2].contains("CD"), "the client's remote address and state")
        let serverCells = lines[3].split(separator: " ")
        #expect(serverCells.contains("3"), "the server received 3 bytes: \(lines[3])")
        // The columns line up: each line's cells start where the heading's do.
        let stateColumn = try #require(lines[0].range(of: "State")).lowerBound.utf16Offset(in: lines[0])
        #expect(Array(lines[1].utf8)[stateColumn...].starts(with: Array("BD:LG".utf8)))
    }

    @Test(arguments: TestBackends.all)
    func chosenKeysAndTheRegistryDefault(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let label = "table-\(UInt64.random(in: 0...UInt64.max))"
        let u = try api.open(.inet6, .dgram, .udp, options: OpenOptions(useRegistry: true, label: label))
        defer { try? api.close(u) }
        let table = api.i(keys: [.fd, .domain, .label])
        #expect(table.hasPrefix("Fd"))
        #expect(table.contains("\(u.fileDescriptor)") && table.contains(label), "registered sockets are listed")
        let unregistered = try api.open(.inet, .dgram, .udp, options: OpenOptions(useRegistry: false, label: label + "-off"))
        defer { try? api.close(unregistered) }
        #expect(!api.i(keys: [.label]).contains(label + "-off"))
        #expect(api.i([u], keys: [.localAddress]).contains("*:0"), "an unbound socket is shown as OTP does")
    }
}
