#if canImport(Glibc)
import Glibc
#endif

/// A `msghdr` with the memory it points to (name, iovecs, data, control), allocated on the
/// heap so it stays put while the kernel uses it (sendmsg/recvmsg, and io_uring operations
/// that outlive the call that made them).
final class MessageHeader {
    let msg: UnsafeMutablePointer<msghdr>
    private let iovecs: UnsafeMutablePointer<iovec>
    private let buffers: [UnsafeMutableRawBufferPointer]
    private let name: UnsafeMutablePointer<SockaddrStorage>
    private let control: UnsafeMutableRawBufferPointer?

    private static let cmsgHeader = MemoryLayout<cmsghdr>.size
    private static func align(_ n: Int) -> Int { (n + 7) & ~7 }

    /// A header that sends `message`'s data (copied) to `destination`.
    /// At most `iov_max` buffers go into one header: a stream send goes on with the rest once
    /// these are written (the kernel refuses more with EMSGSIZE); a datagram with more is
    /// refused before it gets here.
    init(sending message: OutgoingMessage, to destination: SockaddrStorage?) {
        let iov = message.iov.lazy.filter { !$0.isEmpty }.prefix(iovMax).map { $0 }
        buffers = iov.map { b in
            let p = UnsafeMutableRawBufferPointer.allocate(byteCount: b.count, alignment: 1)
            p.copyBytes(from: b)
            return p
        }
        let controlSize = message.control.reduce(0) { $0 + Self.cmsgHeader + Self.align($1.data.count) }
        control = controlSize == 0 ? nil : UnsafeMutableRawBufferPointer.allocate(byteCount: controlSize, alignment: 8)
        name = .allocate(capacity: 1)
        name.initialize(to: destination ?? SockaddrStorage())
        iovecs = .allocate(capacity: max(buffers.count, 1))
        msg = .allocate(capacity: 1)
        setUp(named: destination != nil)
        if let control {
            control.initializeMemory(as: UInt8.self, repeating: 0)
            var offset = 0
            for c in message.control {
                var h = cmsghdr()
                h.cmsg_len = Self.cmsgHeader + c.data.count
                h.cmsg_level = c.level
                h.cmsg_type = c.type
                control.storeBytes(of: h, toByteOffset: offset, as: cmsghdr.self)
                UnsafeMutableRawBufferPointer(rebasing: control[(offset + Self.cmsgHeader)...]).copyBytes(from: c.data)
                offset += Self.cmsgHeader + Self.align(c.data.count)
            }
        }
    }

    /// A header that receives into buffers of `sizes` bytes, with room for `controlSize`
    /// bytes of ancillary data and, when `named`, the source address. `zeroed` clears the
    /// buffers first (MSG_TRUNC on TCP discards bytes without writing them).
    init(receiving sizes: [Int], controlSize: Int, named: Bool, zeroed: Bool = false) {
        buffers = sizes.map {
            let b = UnsafeMutableRawBufferPointer.allocate(byteCount: max($0, 1), alignment: 8)
            if zeroed { b.initializeMemory(as: UInt8.self, repeating: 0) }
            return b
        }
        control = controlSize > 0 ? UnsafeMutableRawBufferPointer.allocate(byteCount: controlSize, alignment: 8) : nil
        name = .allocate(capacity: 1)
        name.initialize(to: SockaddrStorage())
        iovecs = .allocate(capacity: max(buffers.count, 1))
        msg = .allocate(capacity: 1)
        setUp(named: named)
    }

    private func setUp(named: Bool) {
        for (i, b) in buffers.enumerated() {
            iovecs[i] = iovec(iov_base: b.baseAddress, iov_len: b.count)
        }
        var m = msghdr()
        if named {
            m.msg_name = UnsafeMutableRawPointer(name).advanced(by: MemoryLayout<SockaddrStorage>.offset(of: \.storage)!)
            m.msg_namelen = name.pointee.length
        }
        m.msg_iov = iovecs
        m.msg_iovlen = buffers.count
        m.msg_control = control?.baseAddress
        m.msg_controllen = control?.count ?? 0
        msg.initialize(to: m)
    }

    /// Total data capacity.
    var capacity: Int { buffers.reduce(0) { $0 + $1.count } }

    /// The message after a receive of `count` bytes.
    func received(count: Int) -> ReceivedMessage {
        var rest = count
        var iov: [[UInt8]] = []
        for b in buffers where rest > 0 {
            let n = min(rest, b.count)
            iov.append(Array(UnsafeRawBufferPointer(rebasing: b[..<n])))
            rest -= n
        }
        var address: SocketAddress?
        if msg.pointee.msg_name != nil && msg.pointee.msg_namelen > 0 {
            name.pointee.length = msg.pointee.msg_namelen
            address = name.pointee.address
        }
        return ReceivedMessage(address: address, iov: iov, control: controlMessages(), flags: msg.pointee.msg_flags)
    }

    /// The source address after a receive, for recvfrom.
    var source: SocketAddress? {
        guard msg.pointee.msg_namelen > 0 else { return nil }
        name.pointee.length = msg.pointee.msg_namelen
        return name.pointee.address
    }

    /// The received bytes of the first buffer (recvfrom has exactly one).
    func firstBytes(_ count: Int) -> [UInt8] {
        Array(UnsafeRawBufferPointer(rebasing: buffers[0][..<min(count, buffers[0].count)]))
    }

    private func controlMessages() -> [ControlMessage] {
        guard let control, msg.pointee.msg_controllen > 0 else { return [] }
        let total = min(Int(msg.pointee.msg_controllen), control.count)
        return Self.controlMessages(in: UnsafeRawBufferPointer(rebasing: control[..<total]))
    }

    /// The control messages in `control`, a buffer of `cmsghdr`s as recvmsg (or getsockopt,
    /// for `ip.pktoptions`) fills it. The walk stops at the first header whose length is too
    /// small or runs past the buffer, as `CMSG_NXTHDR` does.
    static func controlMessages(in control: UnsafeRawBufferPointer) -> [ControlMessage] {
        var out: [ControlMessage] = []
        var offset = 0
        while control.count - offset >= Self.cmsgHeader {
            // Unaligned: getsockopt's bytes arrive in an array, not in CMSG-aligned storage.
            let h = control.loadUnaligned(fromByteOffset: offset, as: cmsghdr.self)
            let len = h.cmsg_len
            // Compared with what is left, not as offset + len: cmsg_len is the sender's to set.
            guard len >= Self.cmsgHeader, len <= control.count - offset else { break }
            let data = Array(UnsafeRawBufferPointer(rebasing: control[(offset + Self.cmsgHeader)..<(offset + len)]))
            out.append(ControlMessage(level: h.cmsg_level, type: h.cmsg_type, data: data))
            offset += min(Self.align(len), control.count - offset)
        }
        return out
    }

    deinit {
        buffers.forEach { $0.deallocate() }
        control?.deallocate()
        name.deinitialize(count: 1)
        name.deallocate()
        iovecs.deallocate()
        msg.deinitialize(count: 1)
        msg.deallocate()
    }
}
