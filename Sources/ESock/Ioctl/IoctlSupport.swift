/// The requests OTP's `socket:supports(ioctl_requests)` names, by OTP's name; each has an
/// ``IoctlRequest`` of the same name (`tcp_info` is ``IoctlRequest/tcpInfo``).
public enum IoctlRequestKind: String, Sendable, Hashable, CaseIterable {
    /// `gifconf`: interfaces with IPv4 addresses.
    case gifconf
    /// `nread`: bytes waiting to be read.
    case nread
    /// `nwrite`: bytes in the send queue.
    case nwrite
    /// `nspace`: bytes not yet sent.
    case nspace
    /// `atmark`: at the out-of-band mark.
    case atmark
    /// `tcp_info`: a TCP connection's state and counters.
    case tcpInfo = "tcp_info"
    /// `gifname`: an interface's name.
    case gifname
    /// `gifindex`: an interface's index.
    case gifindex
    /// `gifaddr`: an interface's address.
    case gifaddr
    /// `gifdstaddr`: a point-to-point peer's address.
    case gifdstaddr
    /// `gifbrdaddr`: the broadcast address.
    case gifbrdaddr
    /// `gifnetmask`: the network mask.
    case gifnetmask
    /// `gifhwaddr`: the link-layer address.
    case gifhwaddr
    /// `gifmtu`: the MTU.
    case gifmtu
    /// `giftxqlen`: the transmit queue length.
    case giftxqlen
    /// `gifflags`: the flags.
    case gifflags
    /// `sifflags`: set the flags.
    case sifflags
    /// `sifaddr`: set the address.
    case sifaddr
    /// `sifdstaddr`: set the peer address.
    case sifdstaddr
    /// `sifbrdaddr`: set the broadcast address.
    case sifbrdaddr
    /// `sifnetmask`: set the network mask.
    case sifnetmask
    /// `sifmtu`: set the MTU.
    case sifmtu
    /// `siftxqlen`: set the transmit queue length.
    case siftxqlen
    /// Setting the hardware address (`SIOCSIFHWADDR`): not in ESock yet.
    case sifhwaddr
}

/// Whether ESock on this system makes `request` (OTP's
/// `socket:is_supported(ioctl_requests, Request)`): every request but `sifhwaddr` on Linux.
/// Whether the kernel then grants it (privileges, the socket's kind) is the call's answer.
public func isSupported(_ request: IoctlRequestKind) -> Bool {
    request != .sifhwaddr
}

/// Every ioctl request with whether it is supported (OTP's `socket:supports(ioctl_requests)`),
/// in declaration order.
public func supportedIoctlRequests() -> [(request: IoctlRequestKind, supported: Bool)] {
    IoctlRequestKind.allCases.map { ($0, isSupported($0)) }
}
