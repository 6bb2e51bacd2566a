#if canImport(Glibc)
import Glibc
#endif

/// Entry points that feed arbitrary bytes to ESock's decoders: the fuzz targets in `Fuzz/`
/// and the regression replay in the test suite call them.
///
/// Each one reads a few leading bytes as a selector (which decoder, which option row, which
/// lengths the kernel reports) and the rest as the payload. None of them may crash on any
/// input; where a decode has an inverse they check the round trip with `precondition`, so a
/// decoder that answers wrongly is found as surely as one that traps. Each returns a small
/// number summarising what was decoded (0 when the input was refused), which the callers
/// only keep to stop the work being optimised away.
@_spi(Fuzzing) public enum FuzzEntryPoints {
    /// Address text and `sockaddr` decoding.
    ///
    /// Byte 0, bit 0 clear: the rest is text for ``SocketAddress/init(_:)``,
    /// ``IPv4Address/init(_:)`` and ``IPv6Address/init(_:)``; a parsed address must parse
    /// back to itself from its `description`.
    ///
    /// Bit 0 set: bits 1-2 pick the family written into the `sockaddr_storage` (inet, inet6,
    /// local, or the payload's own), bytes 1-2 are the length the kernel reports
    /// (little-endian, possibly more than the storage holds) and the rest fills the storage.
    /// A decoded address must encode and decode back to itself.
    public static func address(_ data: UnsafeRawBufferPointer) -> Int {
        let input = Array(data)
        guard let selector = input.first else { return 0 }
        if selector & 1 == 0 {
            return addressText(String(decoding: input.dropFirst(), as: UTF8.self))
        }
        guard input.count >= 3 else { return 0 }
        var s = SockaddrStorage()
        withUnsafeMutableBytes(of: &s.storage) { $0.copyBytes(from: input.dropFirst(3).prefix($0.count)) }
        switch (selector >> 1) & 3 {
        case 0: s.storage.ss_family = sa_family_t(AF_INET)
        case 1: s.storage.ss_family = sa_family_t(AF_INET6)
        case 2: s.storage.ss_family = sa_family_t(AF_UNIX)
        default: break
        }
        s.length = socklen_t(UInt16(input[1]) | UInt16(input[2]) << 8)
        guard let decoded = s.address else { return 0 }
        // What was decoded must survive the trip back to C, unless it cannot be sent at all.
        if let again = try? SockaddrStorage(decoded) {
            precondition(again.address == decoded, "sockaddr round trip changed \(decoded)")
        }
        return decoded.description.utf8.count
    }

    private static func addressText(_ text: String) -> Int {
        // A NUL ends the text for inet_pton, so what follows it must not be silently dropped.
        let hasNUL = text.utf8.contains(0)
        precondition(!hasNUL || IPv4Address(text) == nil && IPv6Address(text) == nil, "text with a NUL parsed")
        var found = 0
        if let a = SocketAddress(text) {
            precondition(SocketAddress(a.description) == a, "address text round trip changed \(a)")
            found += 1
        }
        if let a = IPv4Address(text) {
            precondition(IPv4Address(a.description) == a, "IPv4 text round trip changed \(a)")
            found += 2
        }
        if let a = IPv6Address(text) {
            precondition(IPv6Address(a.description) == a, "IPv6 text round trip changed \(a)")
            found += 4
        }
        return found
    }

    /// The option codec, on the rows of the option table.
    ///
    /// Byte 0 picks the row (``OptionRows/all``, wrapping), whose kind is the C layout used.
    /// Byte 1, bit 0 clear: the rest is what getsockopt gave; its decoded value, when it can be
    /// encoded again, must decode to itself. Bit 0 set: byte 2 picks an ``OptionValue`` case
    /// whose fields come from the rest, which is encoded for the row (and decoded back when
    /// the row takes it).
    public static func option(_ data: UnsafeRawBufferPointer) -> Int {
        let input = Array(data)
        guard input.count >= 2 else { return 0 }
        let rows = OptionRows.all
        let spec = rows[Int(input[0]) % rows.count]
        if input[1] & 1 == 0 {
            let value = OptionCodec.decode(Array(input.dropFirst(2)), as: spec.kind)
            if let bytes = try? OptionCodec.encode(value, as: spec.kind, for: spec.option) {
                let again = OptionCodec.decode(bytes, as: spec.kind)
                precondition(again == value, "\(spec.option): \(value) came back as \(again)")
            }
            return value.description.utf8.count
        }
        guard input.count >= 3 else { return 0 }
        var reader = ByteReader(input.dropFirst(3))
        let value = optionValue(case: input[2], from: &reader)
        guard let bytes = try? OptionCodec.encode(value, as: spec.kind, for: spec.option) else { return 0 }
        return bytes.count + OptionCodec.decode(bytes, as: spec.kind).description.utf8.count
    }

    /// An option value of the case `selector` picks, its fields read from `r`.
    private static func optionValue(case selector: UInt8, from r: inout ByteReader) -> OptionValue {
        func v4(_ r: inout ByteReader) -> IPv4Address { IPv4Address(r.byte(), r.byte(), r.byte(), r.byte()) }
        switch selector % 18 {
        case 0: return .bool(r.byte() & 1 == 1)
        case 1: return .int(r.int())
        case 2: return .string(String(decoding: r.rest(), as: UTF8.self))
        case 3: return .linger(r.byte() & 1 == 0 ? nil : r.int())
        case 4: return .microseconds(r.int())
        case 5: return .ipv4(v4(&r))
        case 6: return .default
        case 7: return .tos(TypeOfService.allCases[Int(r.byte()) % TypeOfService.allCases.count])
        case 8: return .mtuDiscover(MTUDiscover.allCases[Int(r.byte()) % MTUDiscover.allCases.count])
        case 9: return .ipMembership(IPMembership(multiaddr: v4(&r), interface: v4(&r)))
        case 10: return .ipSourceMembership(IPSourceMembership(multiaddr: v4(&r), interface: v4(&r), sourceaddr: v4(&r)))
        case 11:
            guard r.byte() & 1 == 1 else { return .ipMulticastFilter(nil) }
            let (group, interface, mode) = (v4(&r), v4(&r), r.byte() & 1 == 0 ? IPMulticastFilter.Mode.include : .exclude)
            var sources: [IPv4Address] = []
            while !r.isEmpty { sources.append(v4(&r)) }
            return .ipMulticastFilter(IPMulticastFilter(multiaddr: group, interface: interface, mode: mode, sources: sources))
        case 12:
            let group = IPv6Address(bytes: (0..<16).map { _ in r.byte() })!
            return .ipv6Membership(IPv6Membership(multiaddr: group, interface: r.uint32()))
        case 13: return .domain(Domain.allCases[Int(r.byte()) % Domain.allCases.count])
        case 14:
            return .sctpAssocParams(SCTPAssocParams(
                assocID: Int32(bitPattern: r.uint32()), maxRetransmissions: r.uint16(), peerDestinations: r.uint16(),
                peerReceiveWindow: r.uint32(), localReceiveWindow: r.uint32(), cookieLife: r.uint32()))
        case 15:
            return .sctpInitMsg(SCTPInitMsg(outboundStreams: r.uint16(), maxInboundStreams: r.uint16(),
                                            maxAttempts: r.uint16(), maxInitTimeout: r.uint16()))
        case 16:
            return .sctpRTOInfo(SCTPRTOInfo(assocID: Int32(bitPattern: r.uint32()), initial: r.uint32(),
                                            max: r.uint32(), min: r.uint32()))
        default:
            return .pair(r.int(), r.int())
        }
    }

    /// What recvmsg leaves in a ``MessageHeader``, and the control messages sendmsg is given.
    ///
    /// Byte 0, bit 7 clear (receive): bits 0-1 are the number of data buffers less one and
    /// byte 1 their size (1...64); byte 2 is the control buffer's size; bytes 3-4, 5-6 and 7-8
    /// are what the kernel reports as `msg_namelen`, `msg_controllen` and the byte count
    /// (little-endian, any value); the rest is written, as the kernel would, into the name
    /// (128 bytes), the control buffer and the data buffers, in that order.
    ///
    /// Each control message read is also decoded (``ControlMessage/value``); a decoded value
    /// must encode and decode back to itself.
    ///
    /// Bit 7 set (send): the rest is a list of control messages, each as level, type and data
    /// length (one byte each) and the data; the header built to send them must give the same
    /// list back when its control buffer is read as a received one.
    public static func message(_ data: UnsafeRawBufferPointer) -> Int {
        let input = Array(data)
        guard let selector = input.first else { return 0 }
        if selector & 0x80 != 0 { return messageSent(ByteReader(input.dropFirst())) }
        guard input.count >= 9 else { return 0 }
        func u16(_ i: Int) -> Int { Int(input[i]) | Int(input[i + 1]) << 8 }
        let sizes = [Int](repeating: Int(input[1] % 64) + 1, count: Int(selector & 3) + 1)
        let h = MessageHeader(receiving: sizes, controlSize: Int(input[2]), named: true)
        var payload = ByteReader(input.dropFirst(9))
        let m = h.msg.pointee
        fill(m.msg_name, count: MemoryLayout<sockaddr_storage>.size, from: &payload)
        fill(m.msg_control, count: m.msg_controllen, from: &payload)
        for i in 0..<m.msg_iovlen { fill(m.msg_iov[i].iov_base, count: m.msg_iov[i].iov_len, from: &payload) }
        h.msg.pointee.msg_namelen = socklen_t(u16(3))
        h.msg.pointee.msg_controllen = u16(5)
        h.msg.pointee.msg_flags = Int32(selector)
        let count = u16(7)
        let received = h.received(count: count)
        precondition(received.data.count == min(count, h.capacity), "recvmsg gave \(received.data.count) of \(count) bytes")
        _ = h.source
        // Every control message read decodes safely; one that decodes encodes back to itself.
        for c in received.control {
            guard let v = c.value else { continue }
            precondition(ControlMessage(v).value == v, "control message value round trip changed \(v)")
        }
        return received.data.count + received.control.count + h.firstBytes(count).count
    }

    private static func messageSent(_ input: ByteReader) -> Int {
        var r = input
        var control: [ControlMessage] = []
        while !r.isEmpty {
            let (level, type, length) = (Int32(r.byte()), Int32(r.byte()), Int(r.byte()))
            control.append(ControlMessage(level: level, type: type, data: (0..<length).map { _ in r.byte() }))
        }
        let h = MessageHeader(sending: OutgoingMessage(iov: [[1]], control: control), to: nil)
        let m = h.msg.pointee
        let buffer = UnsafeRawBufferPointer(start: m.msg_control, count: m.msg_control == nil ? 0 : m.msg_controllen)
        let parsed = MessageHeader.controlMessages(in: buffer)
        precondition(parsed == control, "\(control.count) control messages sent, \(parsed.count) read back")
        return parsed.count
    }

    /// Copies the next `count` payload bytes to `base`, as the kernel writes into a buffer.
    private static func fill(_ base: UnsafeMutableRawPointer?, count: Int, from r: inout ByteReader) {
        guard let base else { return }
        let bytes = r.take(count)
        UnsafeMutableRawBufferPointer(start: base, count: count).copyBytes(from: bytes)
    }
}

/// Reads a fuzz input front to back; past the end every read is zero.
private struct ByteReader {
    private var bytes: ArraySlice<UInt8>

    init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes }

    var isEmpty: Bool { bytes.isEmpty }

    mutating func byte() -> UInt8 { bytes.popFirst() ?? 0 }

    mutating func take(_ n: Int) -> ArraySlice<UInt8> {
        let taken = bytes.prefix(n)
        bytes = bytes.dropFirst(n)
        return taken
    }

    mutating func rest() -> ArraySlice<UInt8> { take(bytes.count) }

    mutating func uint16() -> UInt16 { UInt16(byte()) | UInt16(byte()) << 8 }

    mutating func uint32() -> UInt32 { UInt32(uint16()) | UInt32(uint16()) << 16 }

    mutating func int() -> Int { Int(Int64(bitPattern: UInt64(uint32()) | UInt64(uint32()) << 32)) }
}
