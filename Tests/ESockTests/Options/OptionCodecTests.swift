import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import ESock

/// The C layouts of the structured option values, checked without a kernel (SCTP options
/// cannot reach one here).
@Suite struct OptionCodecTests {
    private let o = SocketOption(.sctp, "x")

    @Test func sctpStructsRoundTrip() throws {
        let assoc = SCTPAssocParams(assocID: 7, maxRetransmissions: 10, peerDestinations: 2,
                                    peerReceiveWindow: 65536, localReceiveWindow: 32768, cookieLife: 60000)
        let a = try OptionCodec.encode(.sctpAssocParams(assoc), as: .sctpAssocParams, for: o)
        #expect(a.count == 20)
        #expect(OptionCodec.decode(a, as: .sctpAssocParams) == .sctpAssocParams(assoc))
        // otp.assoc_id reads the first field of the same struct.
        #expect(OptionCodec.decode(a, as: .assocID) == .int(7))

        let initmsg = SCTPInitMsg(outboundStreams: 10, maxInboundStreams: 11, maxAttempts: 3, maxInitTimeout: 500)
        let i = try OptionCodec.encode(.sctpInitMsg(initmsg), as: .sctpInitMsg, for: o)
        #expect(i.count == 8)
        #expect(OptionCodec.decode(i, as: .sctpInitMsg) == .sctpInitMsg(initmsg))

        let rto = SCTPRTOInfo(assocID: 1, initial: 3000, max: 60000, min: 1000)
        let r = try OptionCodec.encode(.sctpRTOInfo(rto), as: .sctpRTOInfo, for: o)
        #expect(r.count == 16)
        #expect(OptionCodec.decode(r, as: .sctpRTOInfo) == .sctpRTOInfo(rto))

        var events = SCTPEventSubscribe()
        events.dataIO = true
        events.senderDry = true
        #expect(try OptionCodec.encode(.sctpEvents(events), as: .sctpEvents, for: o) == [1, 0, 0, 0, 0, 0, 0, 0, 0, 1])
    }

    @Test func ipv4StructLayouts() throws {
        let m = IPMembership(multiaddr: IPv4Address(224, 1, 2, 3), interface: IPv4Address(10, 0, 0, 1))
        let mb = try OptionCodec.encode(.ipMembership(m), as: .ipMembership, for: o)
        #expect(mb == [224, 1, 2, 3, 10, 0, 0, 1])
        #expect(mb.count == MemoryLayout<ip_mreq>.size)

        let sm = IPSourceMembership(multiaddr: IPv4Address(232, 0, 0, 1), interface: .any, sourceaddr: IPv4Address(1, 2, 3, 4))
        let sb = try OptionCodec.encode(.ipSourceMembership(sm), as: .ipSourceMembership, for: o)
        #expect(sb == [232, 0, 0, 1, 0, 0, 0, 0, 1, 2, 3, 4])
        #expect(sb.count == MemoryLayout<ip_mreq_source>.size)

        let f = IPMulticastFilter(multiaddr: IPv4Address(224, 0, 0, 9), mode: .exclude,
                                  sources: [IPv4Address(1, 1, 1, 1), IPv4Address(2, 2, 2, 2)])
        let fb = try OptionCodec.encode(.ipMulticastFilter(f), as: .ipMulticastFilter, for: o)
        #expect(fb.count == 16 + 2 * 4)
        #expect(Array(fb[8..<12]) == withUnsafeBytes(of: UInt32(MCAST_EXCLUDE)) { Array($0) })
        #expect(Array(fb[12..<16]) == withUnsafeBytes(of: UInt32(2)) { Array($0) })
        #expect(Array(fb[16...]) == [1, 1, 1, 1, 2, 2, 2, 2])
        #expect(try OptionCodec.encode(.ipMulticastFilter(nil), as: .ipMulticastFilter, for: o).isEmpty)
    }

    @Test func ipv6MembershipLayout() throws {
        let m = IPv6Membership(multiaddr: try #require(IPv6Address("ff02::1")), interface: 3)
        let b = try OptionCodec.encode(.ipv6Membership(m), as: .ipv6Membership, for: o)
        #expect(b.count == MemoryLayout<ipv6_mreq>.size)
        #expect(Array(b[0..<16]) == m.multiaddr.bytes)
        #expect(Array(b[16...]) == withUnsafeBytes(of: UInt32(3)) { Array($0) })
    }

    @Test func controlMessagesDecode() {
        // Two cmsgs as the kernel lays them out: 16-byte header, data padded to 8 bytes.
        func cmsg(_ level: Int32, _ type: Int32, _ data: [UInt8]) -> [UInt8] {
            let len = 16 + data.count
            var b = withUnsafeBytes(of: len) { Array($0) } + withUnsafeBytes(of: level) { Array($0) }
                + withUnsafeBytes(of: type) { Array($0) } + data
            b += [UInt8](repeating: 0, count: (8 - b.count % 8) % 8)
            return b
        }
        let bytes = cmsg(0, 1, [9, 9, 9]) + cmsg(0, 2, [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(OptionCodec.decode(bytes, as: .controlMessages) == .controlMessages([
            ControlMessage(level: 0, type: 1, data: [9, 9, 9]),
            ControlMessage(level: 0, type: 2, data: [1, 2, 3, 4, 5, 6, 7, 8]),
        ]))
    }
}
