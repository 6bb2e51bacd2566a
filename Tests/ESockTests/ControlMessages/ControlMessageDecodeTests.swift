import Testing
@testable import ESock
#if canImport(Glibc)
import Glibc
#endif

/// Decoding control messages is safe for any bytes: short, long or odd data stays raw, and
/// whatever decodes encodes back to the same value.
@Suite("Control message decoding")
struct ControlMessageDecodeTests {
    static let kinds: [(Int32, Int32)] = [
        (ControlKinds.ip, ControlKinds.ipPktinfo), (ControlKinds.ip, ControlKinds.ipTOS),
        (ControlKinds.ip, ControlKinds.ipTTL), (ControlKinds.ip, ControlKinds.ipRecvErr),
        (ControlKinds.ipv6, ControlKinds.ipv6Pktinfo), (ControlKinds.ipv6, ControlKinds.ipv6HopLimit),
        (ControlKinds.ipv6, ControlKinds.ipv6TClass), (ControlKinds.ipv6, ControlKinds.ipv6RecvErr),
        (ControlKinds.solSocket, ControlKinds.soTimestamp), (ControlKinds.solSocket, ControlKinds.scmCredentials),
        (ControlKinds.solSocket, ControlKinds.scmRights), (ControlKinds.solSocket, 99), (7, 7),
    ]

    @Test("random bytes of every length never trap; what decodes round-trips")
    func fuzz() {
        var rng = SystemRandomNumberGenerator()
        var decoded = 0
        for (level, type) in Self.kinds {
            for length in 0..<80 {
                for _ in 0..<20 {
                    let data = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
                    let c = ControlMessage(level: level, type: type, data: data)
                    guard let v = c.value else { continue }
                    decoded += 1
                    #expect(ControlMessage(v).value == v, "\(v) from \(data)")
                    #expect(ControlMessage(v).level == level && ControlMessage(v).type == type)
                }
            }
        }
        #expect(decoded > 0)
    }

    @Test("short and odd data stays raw")
    func short() {
        #expect(ControlMessage(level: ControlKinds.ip, type: ControlKinds.ipPktinfo, data: [1, 2, 3]).value == nil)
        #expect(ControlMessage(level: ControlKinds.ip, type: ControlKinds.ipTTL, data: [64, 0]).value == nil)
        #expect(ControlMessage(level: ControlKinds.ip, type: ControlKinds.ipTOS, data: [0x10, 0, 0, 0]).value == .tos(0x10))
        #expect(ControlMessage(level: ControlKinds.ip, type: ControlKinds.ipTOS, data: [0, 1, 0, 0]).value == nil)
        #expect(ControlMessage(level: ControlKinds.ip, type: ControlKinds.ipTOS, data: [0xff, 0xff, 0xff, 0xff]).value == nil)
        #expect(ControlMessage(level: ControlKinds.solSocket, type: ControlKinds.scmRights, data: [1, 0, 0]).value == nil)
        #expect(ControlMessage(level: ControlKinds.solSocket, type: ControlKinds.scmRights, data: []).value == nil)
        #expect(ControlMessage(level: ControlKinds.ip, type: ControlKinds.ipRecvErr, data: [UInt8](repeating: 0, count: 15)).value == nil)
        // An offender cut short is left out; the error itself still decodes.
        var err = [UInt8](repeating: 0, count: 16) + [UInt8(AF_INET), 0, 1, 2]
        err[0] = UInt8(ECONNREFUSED)
        guard case .ipRecvErr(let e)? = ControlMessage(level: ControlKinds.ip, type: ControlKinds.ipRecvErr, data: err).value else {
            Issue.record("recverr did not decode")
            return
        }
        #expect(e.error == .econnrefused && e.offender == nil)
    }

    @Test("values encode to the kernel's layout")
    func encode() {
        let p = ControlMessage(.ipPacketInfo(IPv4PacketInfo(interfaceIndex: 1, specificDestination: .loopback,
                                                            address: IPv4Address(10, 0, 0, 1))))
        #expect(p.level == IPPROTO_IP && p.type == IP_PKTINFO)
        #expect(p.data == [1, 0, 0, 0, 127, 0, 0, 1, 10, 0, 0, 1])
        let t = ControlMessage(.ttl(64))
        #expect(t.type == IP_TTL && t.data == [64, 0, 0, 0])
        #expect(ControlMessage(.rights([3, 4])).data == [3, 0, 0, 0, 4, 0, 0, 0])
        #expect(ControlMessage(.timestamp(seconds: 1, microseconds: 2)).type == SO_TIMESTAMP)
        #expect(ControlMessage(.ipv6PacketInfo(IPv6PacketInfo(address: .loopback, interfaceIndex: 1))).type == Int32(IPV6_PKTINFO))
    }
}
