import ESock
import Foundation
import Testing

/// A short `churn` with every fault finds no violation.
@Suite struct ChurnTests {
    @Test func poll() async throws {
        try await churn(.poll)
    }

    @Test(.enabled(if: URingProbe.current.isUsable,
                   Comment(rawValue: "io_uring not usable here: \(URingProbe.current.unavailable ?? "")")))
    func uring() async throws {
        try await churn(.uring)
    }

    private func churn(_ backend: Backend) async throws {
        let r = try await CLI.run(["churn", "--backend", backend.rawValue, "--connections", "10", "--rounds", "10",
                                   "--duration", "20", "--json"])
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        let j = try CLI.json(r.stdout)
        #expect(j["backend"] as? String == backend.rawValue)
        #expect(j["violations"] as? Int == 0, "\(j["violationSamples"] ?? "")")
        #expect(j["connections"] as? Int == 100)
        let faults = try #require(j["faults"] as? [String: Int])
        for f in ["clean", "reset", "close-pending", "cancel", "half-close"] {
            #expect(faults[f] == 20, "fault \(f): \(faults)")
        }
        #expect(j["abortsExpected"] as? Int == 20)
        #expect(j["abortsDelivered"] as? Int == 20)
        #expect(j["socketDescriptorsBefore"] as? Int == j["socketDescriptorsAfter"] as? Int)
        #expect(j["registeredBefore"] as? Int == j["registeredAfter"] as? Int)
        let server = try #require(j["server"] as? [String: Int])
        #expect(server["connections"] == 100)
        #expect(server["errors"] == 0)
        #expect((j["bytesVerified"] as? Int ?? 0) > 0)
    }
}
