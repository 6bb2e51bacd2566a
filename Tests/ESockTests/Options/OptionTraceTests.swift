import Testing
@testable import ESock

/// Rows 18-29 of the OTP 25 trace (shared/reference/erlang-socket-trace.md), in Swift shapes,
/// on a connected TCP client socket `C` as in the trace. Row 19 (`use_registry` reads true)
/// depends on the registry's process-wide default, so it runs with the tests that change that
/// default, in ``RegistryDefaultTests``.
@Suite struct OptionTraceTests {
    private func invalid(_ level: String, _ name: String) -> SocketError {
        .invalid(.socketOption(level: level, name: name))
    }

    @Test("trace 18: getopt(C, {otp, rcvbuf}) is 8192", arguments: TestBackends.all)
    func row18(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { p.close() }
        #expect(try api.getopt(p.client, .init(.otp, "rcvbuf")) == .int(8192))
    }

    @Test("trace 20: setopt(C, {otp, use_registry}, false) is invalid (get only)", arguments: TestBackends.all)
    func row20(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { p.close() }
        #expect(throws: invalid("otp", "use_registry")) { try api.setopt(p.client, .useRegistry, .bool(false)) }
        #expect(throws: invalid("otp", "use_registry")) { try api.setopt(p.client, .useRegistry, .bool(true)) }
        // Still what it was at open.
        #expect(try api.getopt(p.client, .useRegistry) == .bool(p.client.usesRegistry))
    }

    @Test("trace 21-22: {socket, domain} reads inet and cannot be set", arguments: TestBackends.all)
    func rows21and22(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { p.close() }
        #expect(try api.getopt(p.client, .init(.socket, "domain")) == .domain(.inet))
        #expect(throws: invalid("socket", "domain")) { try api.setopt(p.client, .init(.socket, "domain"), .domain(.inet6)) }
    }

    @Test("trace 23: getopt(C, {socket, peek_off}) is -1", arguments: TestBackends.all)
    func row23(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { p.close() }
        #expect(try api.getopt(p.client, .init(.socket, "peek_off")) == .int(-1))
    }

    @Test("trace 24: {socket, rcvtimeo} is invalid unless built with RcvSndTimeo", arguments: TestBackends.all)
    func row24(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { p.close() }
        let rcvtimeo = SocketOption(.socket, "rcvtimeo")
        #if RcvSndTimeo
        try api.setopt(p.client, rcvtimeo, .microseconds(1_500_000))
        #expect(try api.getopt(p.client, rcvtimeo) == .microseconds(1_500_000))
        #else
        #expect(throws: invalid("socket", "rcvtimeo")) { try api.getopt(p.client, rcvtimeo) }
        #expect(throws: invalid("socket", "rcvtimeo")) { try api.setopt(p.client, rcvtimeo, .microseconds(1000)) }
        #expect(throws: invalid("socket", "sndtimeo")) { try api.getopt(p.client, .init(.socket, "sndtimeo")) }
        #endif
    }

    @Test("trace 25: getopt(C, {sctp, nodelay}) on a TCP socket is enotsup", arguments: TestBackends.all)
    func row25(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { p.close() }
        #expect(throws: SocketError.errno(.enotsup)) { try api.getopt(p.client, .init(.sctp, "nodelay")) }
    }

    @Test("trace 26: setopt(C, {socket, broadcast}, true) on TCP is left to the OS, which accepts it",
          arguments: TestBackends.all)
    func row26(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { p.close() }
        try api.setopt(p.client, .broadcast, .bool(true))
        #expect(try api.getopt(p.client, .broadcast) == .bool(true))
    }

    @Test("trace 27: getopt(C, {tcp, cork}) is false", arguments: TestBackends.all)
    func row27(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { p.close() }
        #expect(try api.getopt(p.client, .init(.tcp, "cork")) == .bool(false))
    }

    @Test("trace 28: getopt(C, {tcp, bogus}) is invalid", arguments: TestBackends.all)
    func row28(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { p.close() }
        #expect(throws: invalid("tcp", "bogus")) { try api.getopt(p.client, .init(.tcp, "bogus")) }
        #expect(throws: invalid("tcp", "bogus")) { try api.setopt(p.client, .init(.tcp, "bogus"), .bool(true)) }
    }

    @Test("trace 29: open(inet, seqpacket, sctp) without kernel SCTP fails with esocktnosupport",
          .enabled(if: !SCTPSupport.available, "this kernel has SCTP"), arguments: TestBackends.all)
    func row29(backend: Backend) throws {
        guard let api = try TestBackends.api(backend) else { return }
        do {
            let s = try api.open(.inet, .seqpacket, .sctp)
            try? api.close(s)
            Issue.record("open(inet, seqpacket, sctp) succeeded on a kernel without SCTP")
        } catch {
            #expect([SocketError.errno(.esocktnosupport), .errno(.eprotonosupport)].contains(error))
        }
        #expect(throws: SocketError.errno(.eprotonosupport)) { try api.open(.inet, .stream, .sctp) }
    }
}
