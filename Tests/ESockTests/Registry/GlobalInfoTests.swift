import Testing
@testable import ESock

/// `info()`'s process-wide part, as OTP's `socket:info()`: open sockets counted by domain,
/// type and protocol from open to close (or drop), `iov_max` and `use_registry`.
@Suite("Global info", .serialized)
struct GlobalInfoTests {
    @Test("open and close move the global counters by domain, type and protocol", arguments: TestBackends.all)
    func counters(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let before = api.info().counters
        let tcp = try api.open(.inet, .stream, .tcp)
        let udp6 = try api.open(.inet6, .dgram, .udp)
        let local = try api.open(.local, .seqpacket, .default)
        var during = api.info().counters
        #expect(during.numSockets - before.numSockets == 3)
        #expect(during.numDinet - before.numDinet == 1)
        #expect(during.numDinet6 - before.numDinet6 == 1)
        #expect(during.numDlocal - before.numDlocal == 1)
        #expect(during.numTstreams - before.numTstreams == 1)
        #expect(during.numTdgrams - before.numTdgrams == 1)
        #expect(during.numTseqpkgs - before.numTseqpkgs == 1)
        #expect(during.numPtcp - before.numPtcp == 1)
        #expect(during.numPudp - before.numPudp == 1)
        #expect(during.numCntBits == 64)
        try api.close(tcp)
        try? api.close(tcp)
        during = api.info().counters
        #expect(during.numSockets - before.numSockets == 2, "a second close counts nothing")
        try api.close(udp6)
        _ = local  // dropped without close below
        let info = api.info()
        #expect(info.iovMax >= 16)
        #expect(info.description.contains("num_sockets"))
    }

    @Test("a socket dropped without close stops counting", arguments: TestBackends.all)
    func dropped(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let before = api.info().counters.numSockets
        do {
            let s = try api.open(.inet, .dgram, .udp)
            #expect(api.info().counters.numSockets == before + 1)
            _ = s
        }
        #expect(await eventually { api.info().counters.numSockets == before })
    }
}
