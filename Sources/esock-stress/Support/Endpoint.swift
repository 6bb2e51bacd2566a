import ArgumentParser
import ESock

/// A host given on the command line: an IPv4 or IPv6 literal, or `localhost`.
///
/// No name resolution: this tool talks to loopback or to an address the operator names.
struct Host: ExpressibleByArgument, CustomStringConvertible, Sendable {
    enum Address: Sendable { case v4(IPv4Address), v6(IPv6Address) }
    let address: Address

    init?(argument: String) {
        var text = argument
        if text.hasPrefix("["), text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        if text == "localhost" { text = "127.0.0.1" }
        if let a = IPv4Address(text) {
            address = .v4(a)
        } else if let a = IPv6Address(text) {
            address = .v6(a)
        } else {
            return nil
        }
    }

    static let loopback = Host(argument: "127.0.0.1")!

    static var defaultValueDescription: String { "127.0.0.1" }

    /// The socket domain this host needs.
    var domain: Domain {
        switch address {
        case .v4: return .inet
        case .v6: return .inet6
        }
    }

    /// This host with `port`.
    func socketAddress(port: UInt16) -> SocketAddress {
        switch address {
        case .v4(let a): return .inet(a, port: port)
        case .v6(let a): return .inet6(a, port: port)
        }
    }

    var description: String {
        switch address {
        case .v4(let a): return "\(a)"
        case .v6(let a): return "\(a)"
        }
    }

    /// `host:port`, bracketing IPv6.
    func display(port: UInt16) -> String {
        switch address {
        case .v4(let a): return "\(a):\(port)"
        case .v6(let a): return "[\(a)]:\(port)"
        }
    }
}
