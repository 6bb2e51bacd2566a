import ESock
import Foundation
import Testing

/// `serve` and `load` against each other, on each backend: every byte verified, no errors,
/// and the server's byte counts agree with the load generator's.
@Suite struct ServeLoadTests {
    @Test func poll() async throws {
        try await serveAndLoad(.poll)
    }

    @Test(.enabled(if: URingProbe.current.isUsable,
                   Comment(rawValue: "io_uring not usable here: \(URingProbe.current.unavailable ?? "")")))
    func uring() async throws {
        try await serveAndLoad(.uring)
    }

    private func serveAndLoad(_ backend: Backend) async throws {
        let server = try CLI.Running(["serve", "--backend", backend.rawValue, "--port", "0", "--duration", "60"])
        let port = try await server.listeningPort()

        let runs: [(mode: String, size: Int, pipeline: Int, connections: Int)] = [
            ("pingpong", 100, 3, 4), ("bulk", 3000, 4, 2),
        ]
        var verified = 0
        var connections = 0
        for run in runs {
            let r = try await CLI.run(["load", "--port", "\(port)", "--backend", backend.rawValue, "--mode", run.mode,
                                       "--size", "\(run.size)", "--pipeline", "\(run.pipeline)",
                                       "--connections", "\(run.connections)", "--duration", "1", "--json",
                                       "--server-pid", "\(server.pid)"])
            #expect(r.status == 0, "load \(run.mode): \(r.stderr)")
            let j = try CLI.json(r.stdout)
            #expect(j["backend"] as? String == backend.rawValue)
            #expect(j["errors"] as? Int == 0, "errors: \(j["errorKinds"] ?? "")")
            let requests = try #require(j["requests"] as? Int)
            let bytes = try #require(j["bytesVerified"] as? Int)
            #expect(requests > 0)
            #expect(bytes >= requests * run.size, "fewer bytes verified than requests carried")
            #expect(bytes % run.size == 0, "a partial request was counted as verified")
            let latency = try #require(j["latencyMicroseconds"] as? [String: Double])
            #expect(latency["p50"]! > 0 && latency["p50"]! <= latency["p99"]! && latency["p99"]! <= latency["max"]!)
            #expect((j["serverCPUMicroseconds"] as? Double).map { $0 >= 0 } == true)
            verified += bytes
            connections += run.connections
        }

        server.signal(SIGTERM)
        let done = await server.wait(timeout: .seconds(10))
        #expect(done.status == 0, "serve: \(done.stderr)")
        let summary = try #require(done.stderrLines.first { $0.contains("stopped by SIGTERM") }, "\(done.stderr)")
        #expect(summary.contains("on \(backend.rawValue):"))
        #expect(summary.contains("\(connections) connections"), "\(summary)")
        #expect(summary.contains("\(verified) bytes in, \(verified) bytes out"), "load verified \(verified): \(summary)")
        #expect(summary.contains(" 0 errors"))
    }
}
