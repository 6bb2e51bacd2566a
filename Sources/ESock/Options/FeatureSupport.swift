/// A feature OTP's `socket:is_supported/1` and `supports/0` name beside the options.
public enum SocketFeature: String, Sendable, Hashable, CaseIterable {
    /// IPv6 sockets (the kernel can open one).
    case ipv6
    /// Unix-domain sockets.
    case local
    /// SCTP sockets (the kernel has SCTP: OTP reports its build, ESock asks the kernel).
    case sctp
    /// `sendfile` (``SocketAPI/sendfile(_:file:offset:count:timeout:)``): on every Linux kernel.
    case sendfile
    /// Opening a socket in another network namespace (``OpenOptions/netns``): where the
    /// kernel has network namespaces.
    case netns
}

/// Whether this build and kernel have `feature` (OTP's `socket:is_supported(Feature)`).
/// Features the kernel decides are asked once, by opening a socket of that kind.
public func isSupported(_ feature: SocketFeature) -> Bool {
    FeatureSupport.answers[feature] ?? false
}

/// Every feature with whether it is supported, in declaration order.
public func supportedFeatures() -> [(feature: SocketFeature, supported: Bool)] {
    SocketFeature.allCases.map { ($0, isSupported($0)) }
}

/// The probe behind ``isSupported(_:)-(SocketFeature)``, run once.
enum FeatureSupport {
    static let answers: [SocketFeature: Bool] = {
        var out: [SocketFeature: Bool] = [:]
        for f in SocketFeature.allCases {
            switch f {
            case .ipv6: out[f] = canOpen(Domain.inet6.raw, SocketType.stream.raw, 0)
            case .local: out[f] = canOpen(Domain.local.raw, SocketType.stream.raw, 0)
            case .sctp: out[f] = canOpen(Domain.inet.raw, SocketType.seqpacket.raw, SocketProtocol.sctp.raw)
            case .sendfile: out[f] = true
            case .netns: out[f] = NetnsEntry.available
            }
        }
        return out
    }()

    private static func canOpen(_ domain: Int32, _ type: Int32, _ proto: Int32) -> Bool {
        guard let fd = try? sysSocket(domain, type, proto, nonblocking: true) else { return false }
        sysClose(fd)
        return true
    }
}
