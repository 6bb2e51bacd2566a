import ESock
import Foundation
import Testing

/// Bad arguments exit 2 with usage; operational failures exit 1 with one line; serve stops
/// cleanly on a signal.
@Suite struct FailureTests {
    @Test(arguments: [
        ["load"],                                          // --port missing
        ["load", "--port", "0"],
        ["load", "--port", "80000"],
        ["load", "--port", "9", "--connections", "0"],
        ["load", "--port", "9", "--duration", "-1"],
        ["load", "--port", "9", "--mode", "sideways"],
        ["serve", "--backend", "bogus"],
        ["serve", "--host", "not-an-address"],
        ["compare", "--backends", "uring,carrier-pigeon"],
        ["churn", "--rounds", "0"],
        ["no-such-command"],
    ])
    func badArgumentsExitTwo(_ arguments: [String]) async throws {
        let r = try await CLI.run(arguments)
        #expect(r.status == 2, "\(arguments): status \(r.status), stderr: \(r.stderr)")
        #expect(r.stderr.contains("Error:"), "\(arguments): \(r.stderr)")
        #expect(r.stdout.isEmpty)
    }

    @Test func busyPortFailsWithOneLine() async throws {
        let first = try CLI.Running(["serve", "--backend", "poll", "--port", "0", "--duration", "30"])
        let port = try await first.listeningPort()
        let second = try await CLI.run(["serve", "--backend", "poll", "--port", "\(port)"], timeout: .seconds(10))
        #expect(second.status == 1)
        #expect(second.stdout.isEmpty, "a failed serve must not print `listening`")
        #expect(second.stderrLines.count == 1, "expected one line: \(second.stderr)")
        #expect(second.stderr.contains("\(port)") && second.stderr.contains("in use"), "\(second.stderr)")
        first.signal(SIGTERM)
        #expect(await first.wait().status == 0)
    }

    @Test func refusedConnectionFailsWithOneLine() async throws {
        // A port held by a socket that is bound but not listening: connects to it are refused,
        // and no other test's server can take it meanwhile.
        let api = try socketAPI(.poll)
        let holder = try api.open(.inet, .stream, .tcp)
        defer { try? api.close(holder) }
        try api.bind(holder, .loopback)
        guard case .inet(_, let port) = try api.sockname(holder) else { Issue.record("no port"); return }

        let r = try await CLI.run(["load", "--port", "\(port)", "--connections", "2", "--duration", "1"], timeout: .seconds(20))
        #expect(r.status == 1)
        #expect(r.stderrLines.count == 1, "expected one line: \(r.stderr)")
        #expect(r.stderr.contains("cannot connect") && r.stderr.contains("econnrefused"), "\(r.stderr)")
    }

    @Test(.enabled(if: !URingProbe.current.isUsable, "io_uring is usable here, so the uring backend is not unavailable"))
    func unavailableBackendFailsWithOneLine() async throws {
        let r = try await CLI.run(["serve", "--backend", "uring", "--port", "0"], timeout: .seconds(10))
        #expect(r.status == 1)
        #expect(r.stderrLines.count == 1, "expected one line: \(r.stderr)")
        #expect(r.stderr.contains("backend uring is unavailable"), "\(r.stderr)")
    }

    @Test(arguments: [SIGTERM, SIGINT])
    func serveStopsOnSignalWithSummary(_ sig: Int32) async throws {
        let server = try CLI.Running(["serve", "--backend", "poll", "--port", "0", "--duration", "30"])
        let port = try await server.listeningPort()
        // An idle client stays connected: stopping must close it, not wait for it.
        let api = try socketAPI(.poll)
        let c = try api.open(.inet, .stream, .tcp)
        defer { try? api.close(c) }
        try await api.connect(c, .inet(.loopback, port: port), timeout: .seconds(5))
        try await api.send(c, Array("ping".utf8))
        #expect(try await api.recv(c, length: 4, timeout: .seconds(5)) == Array("ping".utf8))

        let sent = ContinuousClock.now
        server.signal(sig)
        let r = await server.wait(timeout: .seconds(10))
        #expect(sent.duration(to: .now) < .seconds(5), "serve took too long to stop")
        #expect(r.status == 0, "\(r.stderr)")
        let name = sig == SIGTERM ? "SIGTERM" : "SIGINT"
        #expect(r.stderr.contains("stopped by \(name)"), "\(r.stderr)")
        #expect(r.stderr.contains("1 connections, 4 bytes in, 4 bytes out, 0 resets, 0 errors"), "\(r.stderr)")
        // The server closed our connection on its way out.
        await #expect(throws: SocketError.closed) { _ = try await api.recv(c, length: 0, timeout: .seconds(5)) }
    }
}
