/// A column of the table ``SocketAPI/i(_:keys:)`` prints: OTP's `socket:i/1,2` info keys.
public enum SocketTableKey: String, Sendable, CaseIterable {
    case domain, type, `protocol`, fd, owner
    case localAddress = "local_address", remoteAddress = "remote_address"
    /// Bytes received (the `read_byte` counter).
    case recv
    /// Bytes sent (the `write_byte` counter).
    case sent
    /// The read and write states, abbreviated as OTP prints them.
    case state
    /// The label given at open (ESock's own column).
    case label

    /// The keys OTP's `socket:i()` shows, in its order.
    public static let standard: [SocketTableKey] =
        [.domain, .type, .protocol, .fd, .owner, .localAddress, .remoteAddress, .recv, .sent, .state]

    /// The column heading, as OTP writes it.
    var heading: String {
        switch self {
        case .localAddress: return "Local Address"
        case .remoteAddress: return "Remote Address"
        case .fd: return "Fd"
        default: return rawValue.prefix(1).uppercased() + rawValue.dropFirst()
        }
    }
}

extension SocketAPI {
    /// A table of sockets, one line each, as OTP's `socket:i()` prints: by default every
    /// socket in the ``SocketRegistry`` (unregistered sockets are not listed, as in OTP),
    /// with OTP's columns. Print it, or read it.
    ///
    /// States are abbreviated as OTP does: `BD` bound, `LG` listening, `A` accepting, `CG`
    /// connecting, `CD` connected, `SD` selected, `RS` read shutdown, `WS` write shutdown,
    /// `CL` closed; read states, then write states.
    public func i(_ sockets: [Socket]? = nil, keys: [SocketTableKey] = SocketTableKey.standard) -> String {
        let rows = (sockets ?? SocketRegistry.whichSockets()).map { s in keys.map { cell(s, $0) } }
        let headings = keys.map(\.heading)
        let widths = keys.indices.map { c in rows.reduce(headings[c].count) { Swift.max($0, $1[c].count) } }
        func line(_ cells: [String]) -> String {
            let padded = zip(cells, widths).map { $0 + String(repeating: " ", count: $1 - $0.count) }
            return String(padded.joined(separator: " ").reversed().drop { $0 == " " }.reversed())
        }
        return ([line(headings)] + rows.map(line)).joined(separator: "\n") + "\n"
    }

    private func cell(_ s: Socket, _ key: SocketTableKey) -> String {
        switch key {
        case .domain: return "\(s.domain)"
        case .type: return "\(s.type)".uppercased()
        case .protocol: return "\(s.protocol)".uppercased()
        case .fd: return "\(s.fileDescriptor)"
        case .owner: return s.owner.map { "\($0)" } ?? "-"
        case .label: return s.label
        case .localAddress: return (try? sockname(s)).map(Self.tableAddress) ?? ""
        case .remoteAddress: return (try? peername(s)).map(Self.tableAddress) ?? ""
        case .recv: return "\(info(s).counters.readByte)"
        case .sent: return "\(info(s).counters.writeByte)"
        case .state:
            let i = info(s)
            let read = Self.abbreviate(i.readStates), write = Self.abbreviate(i.writeStates)
            if read.isEmpty && write.isEmpty { return "" }
            return "\(read.isEmpty ? "-" : read), \(write.isEmpty ? "-" : write)"
        }
    }

    /// An address as OTP's table shows it: loopback as `localhost`, the any address as `*`.
    private static func tableAddress(_ a: SocketAddress) -> String {
        switch a {
        case .inet(let ip, let port):
            let host = ip == .loopback ? "localhost" : ip == .any ? "*" : "\(ip)"
            return "\(host):\(port)"
        case .inet6(let ip, let port, _, _):
            let host = ip == .loopback ? "localhost" : ip == .any ? "*" : "[\(ip)]"
            return "\(host):\(port)"
        default: return "\(a)"
        }
    }

    private static func abbreviate(_ flags: Set<SocketStateFlag>) -> String {
        let order: [(SocketStateFlag, String)] = [
            (.bound, "BD"), (.listening, "LG"), (.accepting, "A"), (.connecting, "CG"), (.connected, "CD"),
            (.selected, "SD"), (.readShutdown, "RS"), (.writeShutdown, "WS"), (.closed, "CL"),
        ]
        return order.filter { flags.contains($0.0) }.map(\.1).joined(separator: ":")
    }
}
