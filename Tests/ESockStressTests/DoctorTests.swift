import ESock
import Foundation
import Testing

/// `doctor` reports what the io_uring probe found, and its exit code follows it.
@Suite struct DoctorTests {
    @Test func jsonCarriesTheProbeAndExitCodeMatches() async throws {
        let probe = URingProbe.current
        let r = try await CLI.run(["doctor", "--json"])
        #expect(r.status == (probe.isUsable ? 0 : 1), "stderr: \(r.stderr)")
        let j = try CLI.json(r.stdout)

        let kernel = try #require(j["kernel"] as? [String: Any])
        #expect((kernel["release"] as? String)?.isEmpty == false)
        #expect(j["ioUringDisabled"] as? Int == URingProbe.disabledSysctl)

        let uring = try #require(j["ioUring"] as? [String: Any])
        #expect(uring["usable"] as? Bool == probe.isUsable)
        #expect(uring["unavailable"] as? String == probe.unavailable)
        #expect(uring["errno"] as? String == probe.errno?.name)
        #expect(uring["setupFlags"] as? [String] == probe.setupFlagNames)
        let opcodes = try #require(uring["opcodes"] as? [String: Bool])
        #expect(opcodes.count == probe.opcodes.count)
        for op in probe.opcodes { #expect(opcodes[op.name] == op.supported, "opcode \(op.name)") }
        #expect((uring["featuresRaw"] as? NSNumber)?.uint32Value == probe.features)

        let auto = try #require(j["auto"] as? [String: Any])
        let info = try socketAPI(.auto).info()
        #expect(auto["backend"] as? String == info.backend.rawValue)
        #expect(auto["reason"] as? String == info.reason)

        for key in ["sctp", "ipv6"] {
            let c = try #require(j[key] as? [String: Any], "\(key) missing")
            #expect(c["available"] is Bool)
            #expect((c["detail"] as? String)?.isEmpty == false)
        }
        let fds = try #require(j["fileDescriptors"] as? [String: Any])
        var limit = rlimit()
        #expect(getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0)
        if limit.rlim_cur != rlim_t.max { #expect((fds["openFilesSoft"] as? NSNumber)?.uint64Value == UInt64(limit.rlim_cur)) }
    }

    @Test func textNamesEveryFactAndExitCodeMatches() async throws {
        let probe = URingProbe.current
        let r = try await CLI.run(["doctor"])
        #expect(r.status == (probe.isUsable ? 0 : 1))
        for label in ["kernel", "io_uring_disabled", "seccomp", "io_uring", "auto backend", "sctp", "ipv6", "open files"] {
            #expect(r.stdout.contains("\n\(label) ") || r.stdout.hasPrefix("\(label) "), "no \(label) line in:\n\(r.stdout)")
        }
        if let why = probe.unavailable {
            #expect(r.stdout.contains(why))
        } else {
            #expect(r.stdout.contains("usable, setup flags"))
        }
    }
}
