import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import ESock

/// `isSupported` / `supports()`: what this build and kernel really support.
@Suite struct OptionSupportTests {
    @Test func commonOptionsAreSupported() {
        for o in [SocketOption.nodelay, .reuseaddr, .keepalive, .linger, .init(.ip, "ttl"),
                  .init(.tcp, "keepidle"), .init(.otp, "rcvbuf"), .useRegistry, .init(.socket, "type")] {
            #expect(isSupported(o), "\(o)")
        }
    }

    @Test(.enabled(if: IPv6Loopback.available, IPv6Loopback.reason))
    func ipv6OptionsAreSupported() {
        for o in [SocketOption(.ipv6, "v6only"), .init(.ipv6, "unicast_hops"), .init(.ipv6, "add_membership")] {
            #expect(isSupported(o), "\(o)")
        }
    }

    @Test func unknownAndOtherSystemsAreNot() {
        for o in [SocketOption(.tcp, "bogus"), .init(.socket, "exclusiveaddruse"), .init(.tcp, "nopush"),
                  .init(.ip, "recvif")] {
            #expect(!isSupported(o), "\(o)")
        }
    }

    @Test func rcvtimeoFollowsTheBuildSwitch() {
        #if RcvSndTimeo
        #expect(isSupported(.init(.socket, "rcvtimeo")))
        #expect(isSupported(.init(.socket, "sndtimeo")))
        #else
        #expect(!isSupported(.init(.socket, "rcvtimeo")))
        #expect(!isSupported(.init(.socket, "sndtimeo")))
        #endif
    }

    @Test("without kernel SCTP, no SCTP option is supported", .enabled(if: !SCTPSupport.available, "this kernel has SCTP"))
    func sctpUnsupported() {
        let sctp = supports().filter { $0.option.level == .sctp }
        #expect(!sctp.isEmpty)
        for (o, supported) in sctp { #expect(!supported, "\(o)") }
        #expect(!isSupported(.init(.otp, "assoc_id")))
    }

    @Test func supportsListsEveryRowOnceAndAgreesWithIsSupported() {
        let list = supports()
        #expect(list.count == OptionRows.all.count)
        #expect(Set(list.map(\.option)).count == list.count)
        for (o, supported) in list { #expect(isSupported(o) == supported, "\(o)") }
    }

    /// The probe and getopt agree: a readable kernel option that `isSupported` calls
    /// supported is read on a socket of its level's kind without "no such option" errors,
    /// and one it calls unsupported is refused by the kernel.
    @Test("isSupported agrees with getopt on a socket of the option's kind", arguments: TestBackends.all)
    func probeAgreesWithGetopt(backend: Backend) throws {
        guard let api = try TestBackends.api(backend) else { return }
        let kinds: [OptionLevel: (Domain, SocketType, SocketProtocol)] = [
            .socket: (.inet, .stream, .tcp), .ip: (.inet, .dgram, .udp), .ipv6: (.inet6, .dgram, .udp),
            .tcp: (.inet, .stream, .tcp), .udp: (.inet, .dgram, .udp),
        ]
        var sockets: [OptionLevel: Socket] = [:]
        defer { for s in sockets.values { try? api.close(s) } }
        for (level, k) in kinds where k.0 != .inet6 || IPv6Loopback.available {
            sockets[level] = try api.open(k.0, k.1, k.2)
        }
        let local = try api.open(.local, .stream)
        defer { try? api.close(local) }

        // Options of raw sockets only are probed on a raw socket, which needs privileges; leave them out.
        for spec in OptionRows.all where spec.gettable && spec.isAvailable && spec.requires.types != [.raw] {
            guard case .kernel = spec.storage, var s = sockets[spec.option.level] else { continue }
            if spec.requires.domains == [.local] { s = local }
            if spec.requires.types == [.stream] && spec.option.level == .ip { s = sockets[.tcp]! }
            let result = Result { () throws(SocketError) in try api.getopt(s, spec.option) }
            if isSupported(spec.option) {
                if case .failure(let e) = result {
                    #expect(![SocketError.errno(.enoprotoopt), .errno(.enotsup)].contains(e), "\(spec.option): \(e)")
                    #expect(!isInvalid(e), "\(spec.option): \(e)")
                }
            } else {
                #expect(throws: SocketError.self, "\(spec.option) is unsupported yet readable") { try result.get() }
            }
        }
    }

    private func isInvalid(_ e: SocketError) -> Bool {
        if case .invalid = e { return true }
        return false
    }

    @Test("the probe's answers, for the record")
    func report() {
        let off = supports().filter { !$0.supported }.map { "\($0.option)" }
        print("ESockTests: options not supported by this build and kernel: \(off.joined(separator: " "))")
        #expect(off.count < supports().count)
    }
}

/// `isSupported(_ feature:)`: what this kernel and build have, asked of the kernel.
@Suite("Feature support")
struct FeatureSupportTests {
    @Test func features() throws {
        #expect(isSupported(.local))
        #expect(isSupported(.sendfile))
        // The protocol and message-flag tables (OTP's supports(protocols), supports(msg_flags)).
        let protocols = Dictionary(uniqueKeysWithValues: supportedProtocols().map { ($0.protocol, $0.number) })
        #expect(protocols[.tcp] == 6 && protocols[.udp] == 17 && protocols[.sctp] == 132 && protocols[.default] == 0)
        let flags = supportedMessageFlags()
        #expect(flags.map(\.name) == ["confirm", "dontroute", "eor", "errqueue", "more", "oob", "peek", "trunc"])
        #expect(flags.allSatisfy { $0.supported })
        #expect(flags.first { $0.name == "peek" }?.flag == .peek)
        #expect(isSupported(.netns) == (access("/proc/thread-self/ns/net", F_OK) == 0))
        // SCTP and IPv6 are what the kernel says: opening such a socket agrees.
        let api = try #require(try TestBackends.api(.poll))
        let sctp = Result { () throws(SocketError) in try api.open(.inet, .seqpacket, .sctp) }
        if case .success(let s) = sctp { try? api.close(s) }
        #expect(isSupported(.sctp) == ((try? sctp.get()) != nil))
        let v6 = Result { () throws(SocketError) in try api.open(.inet6, .stream, .tcp) }
        if case .success(let s) = v6 { try? api.close(s) }
        #expect(isSupported(.ipv6) == ((try? v6.get()) != nil))
        #expect(supportedFeatures().map(\.feature) == SocketFeature.allCases)
    }
}
