#if canImport(Glibc)
import Glibc
#endif

/// The `struct ifreq` requests (`SIOCGIF*`, `SIOCSIF*`): a name, then a union of an address,
/// flags or an integer. Built as bytes: the layout is the kernel's ABI (16 name bytes, then a
/// 24-byte union on 64-bit Linux).
enum InterfaceIoctl {
    static let nameSize = 16
    static let size = 40
    static let unionOffset = 16

    // Linux request numbers (uapi linux/sockios.h), fixed by the kernel ABI.
    static let getName: UInt = 0x8910, getFlags: UInt = 0x8913, setFlags: UInt = 0x8914
    static let getAddr: UInt = 0x8915, setAddr: UInt = 0x8916, getDstAddr: UInt = 0x8917
    static let setDstAddr: UInt = 0x8918, getBrdAddr: UInt = 0x8919, setBrdAddr: UInt = 0x891a
    static let getNetmask: UInt = 0x891b, setNetmask: UInt = 0x891c, getMTU: UInt = 0x8921
    static let setMTU: UInt = 0x8922, getHwAddr: UInt = 0x8927, getIndex: UInt = 0x8933
    static let getTxQueueLength: UInt = 0x8942, setTxQueueLength: UInt = 0x8943

    /// Why `name` cannot name an interface, or nil when it can.
    static func refusal(name: String) -> SocketError? {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count < nameSize, !bytes.contains(0) else {
            return .invalid(.argument("an interface name is 1...\(nameSize - 1) bytes without NUL, got \(bytes.count): \(name.debugDescription)"))
        }
        return nil
    }

    /// An `ifreq` for `name` (already checked) with `fill` written into the union.
    static func request(name: String, fill: (inout [UInt8]) -> Void = { _ in }) -> [UInt8] {
        var b = [UInt8](repeating: 0, count: size)
        for (i, c) in name.utf8.prefix(nameSize - 1).enumerated() { b[i] = c }
        fill(&b)
        return b
    }

    /// Runs `code` on an `ifreq` and returns it as the kernel left it.
    static func call(_ fd: Int32, _ code: UInt, _ request: [UInt8]) throws(Errno) -> [UInt8] {
        // Storage of the struct's alignment: an array's bytes promise none.
        let out = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 8)
        defer { out.deallocate() }
        out.copyBytes(from: request)
        try sysIoctl(fd, code, out.baseAddress!)
        return Array(out)
    }

    static func int32(_ b: [UInt8], at offset: Int = unionOffset) -> Int32 {
        b.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: Int32.self) }
    }

    static func store(_ value: Int32, into b: inout [UInt8], at offset: Int = unionOffset) {
        withUnsafeBytes(of: value) { for (i, x) in $0.enumerated() { b[offset + i] = x } }
    }

    /// The name in an `ifreq` (NUL-terminated).
    static func name(_ b: [UInt8]) -> String {
        let n = b.prefix(nameSize)
        return String(decoding: n.prefix(while: { $0 != 0 }), as: UTF8.self)
    }

    /// The `struct sockaddr` at `offset`, as a ``SocketAddress`` (nil for a family ESock
    /// does not decode).
    static func address(_ b: [UInt8], at offset: Int = unionOffset) -> SocketAddress? {
        var s = SockaddrStorage()
        let bytes = b[offset..<min(offset + 16, b.count)]
        withUnsafeMutableBytes(of: &s.storage) { $0.copyBytes(from: bytes) }
        s.length = socklen_t(bytes.count)
        return s.address
    }

    /// Writes an IPv4 `address` as the `struct sockaddr_in` of the union.
    static func store(_ address: SocketAddress, into b: inout [UInt8]) {
        guard case .inet = address, let s = try? SockaddrStorage(address) else { return }
        withUnsafeBytes(of: s.storage) { raw in
            for i in 0..<16 { b[unionOffset + i] = raw[i] }
        }
    }

    /// Every interface with an IPv4 address (`SIOCGIFCONF`), growing the buffer until the
    /// kernel's answer fits with room to spare.
    static func list(_ fd: Int32) throws(Errno) -> [InterfaceAddress] {
        var capacity = 32 * size
        while true {
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 8)
            defer { buffer.deallocate() }
            buffer.initializeMemory(as: UInt8.self, repeating: 0)
            let filled = try sysIoctlInterfaceList(fd, buffer)
            if filled + size > capacity && capacity < 1 << 20 {
                capacity *= 2
                continue
            }
            var out: [InterfaceAddress] = []
            var offset = 0
            while offset + size <= min(filled, capacity) {
                let entry = Array(buffer[offset..<(offset + size)])
                if let a = address(entry) { out.append(InterfaceAddress(name: name(entry), address: a)) }
                offset += size
            }
            return out
        }
    }
}
