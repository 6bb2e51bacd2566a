/// The protocol and message-flag tables as data: OTP's `supports(protocols)` and
/// `supports(msg_flags)`.

/// The protocols ESock names, with their `IPPROTO_*` numbers (OTP's `supports(protocols)`).
/// `default` (0) lets the kernel choose.
public func supportedProtocols() -> [(protocol: SocketProtocol, number: Int32)] {
    SocketProtocol.allCases.map { ($0, $0.raw) }
}

/// The message flags ESock passes to send and receive calls, by OTP's names, each with
/// whether this system has it (OTP's `supports(msg_flags)`); all of them exist on Linux.
public func supportedMessageFlags() -> [(name: String, flag: MessageFlags, supported: Bool)] {
    let flags: [(String, MessageFlags)] = [
        ("confirm", .confirm), ("dontroute", .dontroute), ("eor", .eor), ("errqueue", .errqueue),
        ("more", .more), ("oob", .oob), ("peek", .peek), ("trunc", .trunc),
    ]
    return flags.map { ($0.0, $0.1, $0.1.rawValue != 0) }
}
