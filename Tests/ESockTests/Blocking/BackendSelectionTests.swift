import Testing
@testable import ESock

extension BlockingTests {
    /// Which backend `auto` picks and why, what `.uring` does where io_uring is blocked, and
    /// which backends this run covered.
    @Suite("Backend selection")
    struct BackendSelection {
        @Test func autoNamesBackendAndReason() throws {
            let api = try socketAPI(.auto)
            let info = api.info()
            #expect(info.requested == .auto)
            #expect(info.backend == api.backend)
            #expect(info.backend == .uring || info.backend == .poll)
            #expect(!info.reason.isEmpty)
            #expect(info.description.contains("backend: \(info.backend.rawValue)"))
            #expect(info.description.contains(info.reason))
            if let why = URingProbe.current.unavailable {
                #expect(info.backend == .poll)
                #expect(info.reason.contains("io_uring unavailable"), "reason: \(info.reason)")
                #expect(info.reason.contains(why), "reason: \(info.reason)")
            } else {
                #expect(info.backend == .uring, "io_uring is usable here, so auto must pick it")
                #expect(info.reason.contains("io_uring available"), "reason: \(info.reason)")
            }
            // An auto socket really runs on the backend info names.
            let s = try api.open(.inet, .stream, .tcp)
            defer { try? api.close(s) }
            #expect(s.backend == info.backend)
            #expect(api.info(s).backend == info.backend)
        }

        @Test func explicitBackends() throws {
            let poll = try socketAPI(.poll)
            #expect(poll.backend == .poll)
            #expect(poll.info().requested == .poll)
            if let why = URingProbe.current.unavailable {
                let e = #expect(throws: SocketError.self) { try socketAPI(.uring) }
                guard case .invalid(.backend(let text))? = e else {
                    Issue.record("socketAPI(.uring) threw \(e.map { "\($0)" } ?? "nothing"), not invalid(backend)")
                    return
                }
                #expect(text == why)
            } else {
                let uring = try socketAPI(.uring)
                #expect(uring.backend == .uring)
                #expect(uring.info().requested == .uring)
                #expect(uring.info().details["mechanism"] == "io_uring")
            }
        }

        /// The environment says io_uring must be blocked here (the container's default seccomp
        /// profile): `.uring` fails naming EPERM or ENOSYS, and `auto` falls back to poll.
        @Test(.enabled(if: TestBackends.expectsURing == false, "ESOCK_EXPECT_URING is not 0"))
        func uringExpectedUnavailable() throws {
            let e = #expect(throws: SocketError.self) { try socketAPI(.uring) }
            guard case .invalid(.backend(let text))? = e else {
                Issue.record("socketAPI(.uring) threw \(e.map { "\($0)" } ?? "nothing"), not invalid(backend)")
                return
            }
            #expect(text.contains("EPERM") || text.contains("ENOSYS"), "reason: \(text)")
            let auto = try socketAPI(.auto).info()
            #expect(auto.backend == .poll)
            #expect(auto.reason.contains("io_uring unavailable"), "reason: \(auto.reason)")
            #expect(auto.reason.contains("poll"), "reason: \(auto.reason)")
        }

        /// The environment says io_uring must work here: really run an operation on it.
        @Test(.enabled(if: TestBackends.expectsURing == true, "ESOCK_EXPECT_URING is not 1"))
        func uringExpectedUsable() async throws {
            #expect(URingProbe.current.isUsable, "\(URingProbe.current.unavailable ?? "")")
            let api = try socketAPI(.uring)
            #expect(api.backend == .uring)
            #expect(try socketAPI(.auto).backend == .uring)
            let p = try await BlockingFixtures.pair(api, .inet)
            defer { p.close() }
            // A recv that has to wait goes through the ring.
            async let got = api.recv(p.server, length: 3, timeout: BlockingFixtures.patience)
            try await Task.sleep(for: .milliseconds(20))
            try await api.send(p.client, [1, 2, 3], timeout: BlockingFixtures.patience)
            #expect(try await got == [1, 2, 3])
        }

        /// Says which backends the parameterized tests ran on, and why uring did not, if so.
        @Test func reportBackends() {
            let ran = TestBackends.all.filter { $0 != .uring || TestBackends.uringUnavailable == nil }
            var line = "ESockTests blocking suite: backends run: " + ran.map(\.rawValue).joined(separator: ", ")
            if let why = TestBackends.uringUnavailable { line += "; uring skipped: \(why)" }
            if let e = TestBackends.expectsURing { line += " (ESOCK_EXPECT_URING=\(e ? 1 : 0))" }
            print(line)
            #expect(ran.contains(.poll))
            if TestBackends.expectsURing == true { #expect(ran.contains(.uring)) }
            if TestBackends.expectsURing == false { #expect(!ran.contains(.uring)) }
        }
    }
}

/// Run by Scripts/iouring-disabled-check.sh while `kernel.io_uring_disabled=2`: `auto` must
/// fall back to poll saying so, and `.uring` must fail with a clear reason.
@Suite(.enabled(if: TestBackends.environment("ESOCK_IOURING_DISABLED") == "2",
                "only while kernel.io_uring_disabled=2 (ESOCK_IOURING_DISABLED=2, Scripts/iouring-disabled-check.sh)"))
struct IOURingDisabled {
    @Test func autoFallsBackToPoll() async throws {
        #expect(URingProbe.disabledSysctl == 2)
        let api = try socketAPI(.auto)
        let info = api.info()
        #expect(info.backend == .poll)
        #expect(info.reason.contains("io_uring unavailable"), "reason: \(info.reason)")
        #expect(info.reason.contains("io_uring_disabled=2"), "reason: \(info.reason)")
        // And poll really works.
        let p = try await BlockingFixtures.pair(api, .inet)
        defer { p.close() }
        try await BlockingFixtures.roundTrip(api, [1, 2, 3], from: p.client, to: p.server)
    }

    @Test func uringThrowsClearError() throws {
        let e = #expect(throws: SocketError.self) { try socketAPI(.uring) }
        guard case .invalid(.backend(let text))? = e else {
            Issue.record("socketAPI(.uring) threw \(e.map { "\($0)" } ?? "nothing"), not invalid(backend)")
            return
        }
        #expect(text.contains("EPERM"), "reason: \(text)")
        #expect(text.contains("io_uring_disabled=2"), "reason: \(text)")
    }
}
