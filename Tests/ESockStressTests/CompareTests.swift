import ESock
import Foundation
import Testing

/// A one-round `compare` starts a server per backend, loads it, and writes JSON and an SVG.
@Suite struct CompareTests {
    @Test func oneRoundWithPlot() async throws {
        let backends = URingProbe.current.isUsable ? ["uring", "poll"] : ["poll"]
        let svg = FileManager.default.temporaryDirectory.appendingPathComponent("esock-compare-\(getpid()).svg")
        defer { try? FileManager.default.removeItem(at: svg) }
        let r = try await CLI.run(["compare", "--backends", backends.joined(separator: ","), "--rounds", "1",
                                   "--duration", "1", "--warmup", "0.2", "--connections", "2",
                                   "--plot", svg.path, "--json"], timeout: .seconds(60))
        #expect(r.status == 0, "\(r.stderr)")
        let j = try CLI.json(r.stdout)
        let results = try #require(j["results"] as? [[String: Any]])
        #expect(results.compactMap { $0["backend"] as? String } == backends)
        for result in results {
            let rounds = try #require(result["rounds"] as? [[String: Any]])
            #expect(rounds.count == 1)
            #expect(result["serverBackends"] as? [String] == [result["backend"] as! String], "the server ran another backend")
            let median = try #require(result["median"] as? [String: Any])
            #expect((median["requestsPerSecond"] as? Double ?? 0) > 0)
            #expect(median["errors"] as? Int == 0)
            #expect((median["serverCPUMicrosecondsPerRequest"] as? Double).map { $0 >= 0 } == true)
        }
        let chart = try String(contentsOf: svg, encoding: .utf8)
        #expect(chart.hasPrefix("<svg"))
        #expect(chart.hasSuffix("</svg>\n"))
        for b in backends { #expect(chart.contains(">\(b)<")) }
    }

    @Test(.enabled(if: !URingProbe.current.isUsable, "io_uring is usable here"))
    func unavailableBackendFailsUpFront() async throws {
        let r = try await CLI.run(["compare", "--backends", "uring,poll", "--rounds", "1", "--duration", "1"])
        #expect(r.status == 1)
        #expect(r.stderrLines.count == 1, "\(r.stderr)")
    }
}
