import Testing
@testable import ESock

/// OTP socket_api_SUITE group `basic`, the open cases: api_b_simple_open_and_close_*,
/// api_b_open_and_info_{udp,tcp}{4,6} and api_b_open_and_close_{udp4,udp6,tcp4,tcp6,udpL,
/// tcpL,seqpL} and api_b_open_and_maybe_close_raw, on every backend.
@Suite struct OpenAndInfoTests {
    /// A kind of socket OTP's open cases make.
    struct Kind: Sendable, CustomTestStringConvertible {
        let domain: Domain
        let type: SocketType
        let proto: SocketProtocol
        var testDescription: String { "\(domain)/\(type)/\(proto)" }
    }

    /// udp4/6, tcp4/6 (the info cases); the close cases add the local ones.
    static let inetKinds: [Kind] = [
        Kind(domain: .inet, type: .dgram, proto: .udp), Kind(domain: .inet6, type: .dgram, proto: .udp),
        Kind(domain: .inet, type: .stream, proto: .tcp), Kind(domain: .inet6, type: .stream, proto: .tcp),
    ]
    static let allKinds: [Kind] = inetKinds + [
        Kind(domain: .local, type: .dgram, proto: .default), Kind(domain: .local, type: .stream, proto: .default),
        Kind(domain: .local, type: .seqpacket, proto: .default),
    ]

    /// api_b_open_and_info_*: right after open, info has the domain, type and protocol asked
    /// for, no readers, writers or acceptors, every counter zero, and no state yet.
    @Test(arguments: TestBackends.all, inetKinds)
    func infoRightAfterOpen(backend: Backend, kind: Kind) throws {
        guard let api = try TestBackends.api(backend) else { return }
        let s = try api.open(kind.domain, kind.type, kind.proto)
        let info = api.info(s)
        #expect(info.domain == kind.domain && info.type == kind.type && info.protocol == kind.proto)
        #expect(info.backend == backend)
        #expect(info.numReaders == 0 && info.numWriters == 0 && info.numAcceptors == 0)
        #expect(info.counters == SocketCounters())
        #expect(info.counters.named.allSatisfy { $0.1 == 0 }, "\(info.counters.named)")
        #expect(!info.counters.named.isEmpty)
        #expect(info.readStates.isEmpty && info.writeStates.isEmpty, "\(info)")
        #expect(info.owner == nil)
        try api.close(s)
        let closed = api.info(s)
        #expect(closed.readStates.contains(.closed) && closed.writeStates.contains(.closed))
    }

    /// api_b_simple_open_and_close_* and api_b_open_and_close_*: open, then `socket.domain`,
    /// `socket.type` and `socket.protocol` read back from the kernel what was asked for, the
    /// owner is the caller that opened it (OTP's `otp.controlling_process`), and close is ok
    /// once (a second close says closed).
    @Test(arguments: TestBackends.all, allKinds)
    func openAndClose(backend: Backend, kind: Kind) throws {
        guard let api = try TestBackends.api(backend) else { return }
        let me = Mailbox()
        let s = try api.open(kind.domain, kind.type, kind.proto, options: OpenOptions(owner: me))
        #expect(try api.getopt(s, .init(.socket, "domain")) == .domain(kind.domain))
        #expect(try api.getopt(s, .init(.socket, "type")) == .type(kind.type))
        // The kernel reports a local socket's protocol as 0, OTP's `default`.
        #expect(try api.getopt(s, .init(.socket, "protocol")) == .protocol(kind.proto))
        #expect(api.info(s).owner === me)
        try api.close(s)
        #expect(throws: SocketError.closed) { try api.close(s) }
    }

    /// api_b_open_and_maybe_close_raw: a raw ICMP socket opens where the process may (then
    /// info and close as above), else the kernel's eperm comes back as the error.
    @Test(arguments: TestBackends.all)
    func openAndMaybeCloseRaw(backend: Backend) throws {
        guard let api = try TestBackends.api(backend) else { return }
        let s: Socket
        do {
            s = try api.open(.inet, .raw, .icmp)
        } catch {
            #expect(error == .errno(.eperm) || error == .errno(.eacces), "\(error)")
            return
        }
        #expect(api.info(s).type == .raw && api.info(s).protocol == .icmp)
        #expect(try api.getopt(s, .init(.socket, "type")) == .type(.raw))
        try api.close(s)
        #expect(throws: SocketError.closed) { try api.close(s) }
    }
}
