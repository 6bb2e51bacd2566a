import ESock
import Foundation
import Testing

/// `load` against a server that misbehaves: every connection ends with an error kind, the
/// run stays bounded, and the exit code says it failed.
@Suite struct LoadFailureTests {
    /// A server that reads and never answers: each connection's watchdog ends it after the
    /// I/O timeout (10 s) as `recv: timeout`.
    @Test func silentServerTimesOut() async throws {
        let server = try CLI.Running(["serve", "--backend", "poll", "--port", "0", "--mode", "discard",
                                      "--duration", "60"])
        let port = try await server.listeningPort()
        let started = ContinuousClock.now
        let r = try await CLI.run(["load", "--port", "\(port)", "--connections", "3", "--duration", "1", "--json"],
                                  timeout: .seconds(40))
        #expect(started.duration(to: .now) < .seconds(30), "the watchdog did not bound the run")
        #expect(r.status == 1, "\(r.stderr)")
        let j = try CLI.json(r.stdout)
        #expect(j["errors"] as? Int == 3)
        #expect((j["errorKinds"] as? [String: Int]) == ["recv: timeout": 3], "\(j["errorKinds"] ?? "")")
        #expect(j["bytesVerified"] as? Int == 0)
        server.signal(SIGTERM)
        #expect(await server.wait().status == 0)
    }

    /// The server going away mid-run: every connection reports how its stream ended, the
    /// bytes checked before that still count.
    @Test(arguments: ["poll", "uring"])
    func serverGoingAwayEndsEveryConnection(_ backend: String) async throws {
        if backend == "uring" && !URingProbe.current.isUsable { return }
        let server = try CLI.Running(["serve", "--backend", "poll", "--port", "0", "--duration", "60"])
        let port = try await server.listeningPort()
        async let loaded = CLI.run(["load", "--port", "\(port)", "--backend", backend, "--connections", "4",
                                    "--duration", "5", "--json"], timeout: .seconds(40))
        try await Task.sleep(for: .milliseconds(700))
        server.signal(SIGTERM)
        let r = try await loaded
        #expect(r.status == 1, "\(r.stderr)")
        let j = try CLI.json(r.stdout)
        #expect(j["errors"] as? Int == 4)
        let kinds = try #require(j["errorKinds"] as? [String: Int])
        #expect(Set(kinds.keys).isSubset(of: ["recv: closed", "recv: econnreset"]), "\(kinds)")
        #expect((j["bytesVerified"] as? Int ?? 0) > 0)
        #expect(await server.wait().status == 0)
    }
}
