/// A request for ``SocketAPI/ioctl(_:_:)``: OTP's `socket:ioctl/2,3,4`, with the result typed.
///
/// | OTP | Swift | result |
/// |---|---|---|
/// | `ioctl(S, nread)` | `.nread` | `Int`: bytes waiting to be read (`FIONREAD`) |
/// | `ioctl(S, nwrite)` | `.nwrite` | `Int`: bytes in the send queue (`SIOCOUTQ`) |
/// | `ioctl(S, nspace)` | `.nspace` | `Int`: bytes written but not yet sent (`SIOCOUTQNSD`) |
/// | `ioctl(S, atmark)` | `.atmark` | `Bool`: at the out-of-band mark (`SIOCATMARK`) |
/// | `ioctl(S, tcp_info)` | `.tcpInfo` | ``TCPInfo`` |
/// | `ioctl(S, gifconf)` | `.gifconf` | an array of ``InterfaceAddress`` |
/// | `ioctl(S, gifname, Index)` | `.gifname(index)` | `String` |
/// | `ioctl(S, gifindex, Name)` | `.gifindex(name)` | `Int` |
/// | `ioctl(S, gifaddr \| gifdstaddr \| gifbrdaddr \| gifnetmask, Name)` | `.gifaddr(name)`, ... | ``SocketAddress`` |
/// | `ioctl(S, gifhwaddr, Name)` | `.gifhwaddr(name)` | ``HardwareAddress`` |
/// | `ioctl(S, gifmtu \| giftxqlen, Name)` | `.gifmtu(name)`, `.giftxqlen(name)` | `Int` |
/// | `ioctl(S, gifflags, Name)` | `.gifflags(name)` | ``InterfaceFlags`` |
/// | `ioctl(S, sifflags \| sifmtu \| siftxqlen, Name, Value)` | `.sifflags(name, flags)`, ... | `Void` |
/// | `ioctl(S, sifaddr \| sifdstaddr \| sifbrdaddr \| sifnetmask, Name, Addr)` | `.sifaddr(name, address)`, ... | `Void` |
///
/// A name that cannot be an interface's (empty, 16 bytes or more, a NUL) is refused with
/// `invalid(argument)` before the kernel is asked; a name no interface has gives
/// `errno(enodev)`. The set requests need `CAP_NET_ADMIN` (`errno(eperm)` without it).
public struct IoctlRequest<Value: Sendable>: Sendable, CustomStringConvertible {
    /// OTP's name of the request (`nread`, `gifaddr`, ...).
    public let name: String
    /// Why the request cannot be made at all (a bad argument), checked before the kernel.
    let refusal: SocketError?
    /// Asks the kernel about descriptor `fd`.
    let perform: @Sendable (Int32) throws(Errno) -> Value

    init(_ name: String, refusal: SocketError? = nil, _ perform: @escaping @Sendable (Int32) throws(Errno) -> Value) {
        self.name = name
        self.refusal = refusal
        self.perform = perform
    }

    public var description: String { name }
}

extension SocketAPI {
    /// Asks the kernel about `socket` or a network interface (OTP's `socket:ioctl/2,3,4`);
    /// see ``IoctlRequest`` for the requests and their results.
    ///
    ///     let waiting = try api.ioctl(s, .nread)           // Int
    ///     let flags = try api.ioctl(s, .gifflags("lo"))    // [up, loopback, running]
    public func ioctl<Value>(_ socket: Socket, _ request: IoctlRequest<Value>) throws(SocketError) -> Value {
        if let refusal = request.refusal { throw refusal }
        return try Check.open(socket) { () throws(Errno) -> Value in try request.perform(socket.fileDescriptor) }
    }
}

extension IoctlRequest where Value == Int {
    /// `nread`: the bytes waiting to be read (`FIONREAD`); for a datagram socket, the size of
    /// the next datagram.
    public static var nread: IoctlRequest<Int> { .integer("nread", 0x541B) }
    /// `nwrite`: the bytes in the send queue, sent or not, not yet acknowledged (`SIOCOUTQ`).
    public static var nwrite: IoctlRequest<Int> { .integer("nwrite", 0x5411) }
    /// `nspace`: the bytes in the send queue not yet sent (`SIOCOUTQNSD`, TCP only).
    public static var nspace: IoctlRequest<Int> { .integer("nspace", 0x894B) }

    /// `gifindex`: the index of the interface called `name`.
    public static func gifindex(_ name: String) -> IoctlRequest<Int> {
        .interface("gifindex", name, InterfaceIoctl.getIndex) { Int(InterfaceIoctl.int32($0)) }
    }
    /// `gifmtu`: the MTU of interface `name`.
    public static func gifmtu(_ name: String) -> IoctlRequest<Int> {
        .interface("gifmtu", name, InterfaceIoctl.getMTU) { Int(InterfaceIoctl.int32($0)) }
    }
    /// `giftxqlen`: the transmit queue length of interface `name`.
    public static func giftxqlen(_ name: String) -> IoctlRequest<Int> {
        .interface("giftxqlen", name, InterfaceIoctl.getTxQueueLength) { Int(InterfaceIoctl.int32($0)) }
    }

    private static func integer(_ name: String, _ code: UInt) -> IoctlRequest<Int> {
        IoctlRequest(name) { fd throws(Errno) in
            var n: Int32 = 0
            try sysIoctl(fd, code, &n)
            return Int(n)
        }
    }
}

extension IoctlRequest where Value == Bool {
    /// `atmark`: whether the next byte to read is at the out-of-band mark (`SIOCATMARK`).
    public static var atmark: IoctlRequest<Bool> {
        IoctlRequest("atmark") { fd throws(Errno) in
            var n: Int32 = 0
            try sysIoctl(fd, 0x8905, &n)
            return n != 0
        }
    }
}

extension IoctlRequest where Value == TCPInfo {
    /// `tcp_info`: the state and counters of a TCP connection (see ``TCPInfo``). Another
    /// kind of socket gives `errno(enoprotoopt)` (Linux answers `eopnotsupp` for some).
    public static var tcpInfo: IoctlRequest<TCPInfo> {
        IoctlRequest("tcp_info") { fd throws(Errno) in
            let bytes = try sysTCPInfo(fd)
            guard let info = TCPInfo(kernel: bytes) else { throw Errno.enoprotoopt }
            return info
        }
    }
}

extension IoctlRequest where Value == [InterfaceAddress] {
    /// `gifconf`: every interface with an IPv4 address, with that address.
    public static var gifconf: IoctlRequest<[InterfaceAddress]> {
        IoctlRequest("gifconf") { fd throws(Errno) in try InterfaceIoctl.list(fd) }
    }
}

extension IoctlRequest where Value == String {
    /// `gifname`: the name of the interface with `index` (`errno(enodev)` for none).
    public static func gifname(_ index: Int) -> IoctlRequest<String> {
        guard (1...Int(Int32.max)).contains(index) else {
            return IoctlRequest("gifname", refusal: .invalid(.argument("an interface index is 1...\(Int32.max), got \(index)"))) { _ in "" }
        }
        return IoctlRequest("gifname") { fd throws(Errno) in
            let req = InterfaceIoctl.request(name: "") { InterfaceIoctl.store(Int32(index), into: &$0) }
            return InterfaceIoctl.name(try InterfaceIoctl.call(fd, InterfaceIoctl.getName, req))
        }
    }
}

extension IoctlRequest where Value == SocketAddress {
    /// `gifaddr`: the IPv4 address of interface `name`.
    public static func gifaddr(_ name: String) -> IoctlRequest<SocketAddress> { .address("gifaddr", name, InterfaceIoctl.getAddr) }
    /// `gifdstaddr`: the peer address of a point-to-point interface `name`.
    public static func gifdstaddr(_ name: String) -> IoctlRequest<SocketAddress> { .address("gifdstaddr", name, InterfaceIoctl.getDstAddr) }
    /// `gifbrdaddr`: the broadcast address of interface `name`.
    public static func gifbrdaddr(_ name: String) -> IoctlRequest<SocketAddress> { .address("gifbrdaddr", name, InterfaceIoctl.getBrdAddr) }
    /// `gifnetmask`: the network mask of interface `name`, as an address.
    public static func gifnetmask(_ name: String) -> IoctlRequest<SocketAddress> { .address("gifnetmask", name, InterfaceIoctl.getNetmask) }

    private static func address(_ request: String, _ name: String, _ code: UInt) -> IoctlRequest<SocketAddress> {
        .interface(request, name, code) { b throws(Errno) in
            guard let a = InterfaceIoctl.address(b) else { throw Errno.eafnosupport }
            return a
        }
    }
}

extension IoctlRequest where Value == HardwareAddress {
    /// `gifhwaddr`: the link-layer address of interface `name`.
    public static func gifhwaddr(_ name: String) -> IoctlRequest<HardwareAddress> {
        .interface("gifhwaddr", name, InterfaceIoctl.getHwAddr) { b in
            let o = InterfaceIoctl.unionOffset
            let family = b.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: o, as: UInt16.self) }
            return HardwareAddress(type: family, bytes: Array(b[(o + 2)..<(o + 16)]))
        }
    }
}

extension IoctlRequest where Value == InterfaceFlags {
    /// `gifflags`: the flags of interface `name`.
    public static func gifflags(_ name: String) -> IoctlRequest<InterfaceFlags> {
        .interface("gifflags", name, InterfaceIoctl.getFlags) { b in
            InterfaceFlags(rawValue: b.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: InterfaceIoctl.unionOffset, as: UInt16.self) })
        }
    }
}

extension IoctlRequest where Value == Void {
    /// `sifflags`: sets the flags of interface `name` (`CAP_NET_ADMIN`).
    public static func sifflags(_ name: String, _ flags: InterfaceFlags) -> IoctlRequest<Void> {
        .setting("sifflags", name, InterfaceIoctl.setFlags) { b in
            withUnsafeBytes(of: flags.rawValue) { for (i, x) in $0.enumerated() { b[InterfaceIoctl.unionOffset + i] = x } }
        }
    }
    /// `sifmtu`: sets the MTU of interface `name` (`CAP_NET_ADMIN`).
    public static func sifmtu(_ name: String, _ mtu: Int) -> IoctlRequest<Void> {
        .setting("sifmtu", name, InterfaceIoctl.setMTU, integer: mtu)
    }
    /// `siftxqlen`: sets the transmit queue length of interface `name` (`CAP_NET_ADMIN`).
    public static func siftxqlen(_ name: String, _ length: Int) -> IoctlRequest<Void> {
        .setting("siftxqlen", name, InterfaceIoctl.setTxQueueLength, integer: length)
    }
    /// `sifaddr`: sets the IPv4 address of interface `name` (`CAP_NET_ADMIN`).
    public static func sifaddr(_ name: String, _ address: SocketAddress) -> IoctlRequest<Void> {
        .setting("sifaddr", name, InterfaceIoctl.setAddr, address: address)
    }
    /// `sifdstaddr`: sets the peer address of point-to-point interface `name`.
    public static func sifdstaddr(_ name: String, _ address: SocketAddress) -> IoctlRequest<Void> {
        .setting("sifdstaddr", name, InterfaceIoctl.setDstAddr, address: address)
    }
    /// `sifbrdaddr`: sets the broadcast address of interface `name`.
    public static func sifbrdaddr(_ name: String, _ address: SocketAddress) -> IoctlRequest<Void> {
        .setting("sifbrdaddr", name, InterfaceIoctl.setBrdAddr, address: address)
    }
    /// `sifnetmask`: sets the network mask of interface `name`.
    public static func sifnetmask(_ name: String, _ address: SocketAddress) -> IoctlRequest<Void> {
        .setting("sifnetmask", name, InterfaceIoctl.setNetmask, address: address)
    }

    private static func setting(_ request: String, _ name: String, _ code: UInt, integer: Int) -> IoctlRequest<Void> {
        guard let n = Int32(exactly: integer), n >= 0 else {
            return IoctlRequest(request, refusal: .invalid(.argument("\(request) takes 0...\(Int32.max), got \(integer)"))) { _ in }
        }
        return .setting(request, name, code) { InterfaceIoctl.store(n, into: &$0) }
    }

    private static func setting(_ request: String, _ name: String, _ code: UInt, address: SocketAddress) -> IoctlRequest<Void> {
        guard case .inet = address else {
            return IoctlRequest(request, refusal: .invalid(.address("\(request) takes an IPv4 address, got \(address)"))) { _ in }
        }
        return .setting(request, name, code) { InterfaceIoctl.store(address, into: &$0) }
    }

    private static func setting(_ request: String, _ name: String, _ code: UInt,
                                _ fill: @escaping @Sendable (inout [UInt8]) -> Void) -> IoctlRequest<Void> {
        .interface(request, name, code, fill: fill) { _ in }
    }
}

extension IoctlRequest {
    /// A request on interface `name`: an `ifreq` with the name (and `fill`'s value), read
    /// back by `decode`.
    fileprivate static func interface(_ request: String, _ name: String, _ code: UInt,
                                      fill: @escaping @Sendable (inout [UInt8]) -> Void = { _ in },
                                      _ decode: @escaping @Sendable ([UInt8]) throws(Errno) -> Value) -> IoctlRequest<Value> {
        if let refusal = InterfaceIoctl.refusal(name: name) {
            return IoctlRequest(request, refusal: refusal) { _ throws(Errno) in throw Errno.einval }
        }
        return IoctlRequest(request) { fd throws(Errno) in
            try decode(try InterfaceIoctl.call(fd, code, InterfaceIoctl.request(name: name, fill: fill)))
        }
    }
}
