/// A value for ``SocketAPI/setoptNative(_:level:name:_:)``: what OTP's `setopt_native/3` takes
/// (an integer, a boolean or a binary).
public enum NativeOptionValue: Sendable, Hashable, CustomStringConvertible {
    /// A C `int`.
    case int(Int32)
    /// A C `int` that is 0 or 1.
    case bool(Bool)
    /// The option's bytes as the kernel reads them (a struct, an address, ...).
    case bytes([UInt8])

    public var description: String {
        switch self {
        case .int(let n): return "\(n)"
        case .bool(let b): return "\(b)"
        case .bytes(let b): return "<<\(b.map(String.init).joined(separator: ","))>>"
        }
    }
}

/// How ``SocketAPI/getoptNative(_:level:name:as:)`` reads a value: OTP's `ValueSpec`.
public enum NativeOptionKind: Sendable, Hashable {
    /// A C `int`.
    case int
    /// A C `int`, read as `value != 0`.
    case bool
    /// Up to this many bytes (what the kernel writes is returned, possibly fewer).
    case bytes(Int)
}

extension SocketAPI {
    /// Sets an option by number, unchecked by ESock's option table (OTP's `setopt_native/3`,
    /// `{Level, Opt}` as integers): `level` is a protocol level (`SOL_SOCKET`, `IPPROTO_TCP`,
    /// ...), `name` the option. The kernel judges the value; its error comes back as
    /// ``SocketError/errno(_:)`` (`enoprotoopt` for an option it does not know).
    public func setoptNative(_ socket: Socket, level: Int32, name: Int32,
                             _ value: NativeOptionValue) throws(SocketError) {
        let bytes: [UInt8]
        switch value {
        case .int(let n): bytes = withUnsafeBytes(of: n) { Array($0) }
        case .bool(let b): bytes = withUnsafeBytes(of: Int32(b ? 1 : 0)) { Array($0) }
        case .bytes(let b):
            guard b.count <= NativeOptionKind.maxBytes else {
                throw .invalid(.argument("a native option value is at most \(NativeOptionKind.maxBytes) bytes, got \(b.count)"))
            }
            bytes = b
        }
        try Check.open(socket) { () throws(Errno) in try KernelOptions.set(socket.fileDescriptor, level, name, bytes) }
    }

    /// Reads an option by number (OTP's `getopt_native/3`), as `kind` says.
    public func getoptNative(_ socket: Socket, level: Int32, name: Int32,
                             as kind: NativeOptionKind) throws(SocketError) -> NativeOptionValue {
        let capacity: Int
        switch kind {
        case .int, .bool: capacity = MemoryLayout<Int32>.size
        case .bytes(let n):
            guard (0...NativeOptionKind.maxBytes).contains(n) else {
                throw .invalid(.argument("a native option buffer is 0...\(NativeOptionKind.maxBytes) bytes, got \(n)"))
            }
            capacity = n
        }
        let bytes = try Check.open(socket) { () throws(Errno) -> [UInt8] in
            try KernelOptions.get(socket.fileDescriptor, level, name, capacity: capacity)
        }
        switch kind {
        case .bytes: return .bytes(bytes)
        case .int, .bool:
            let n = Int32(truncatingIfNeeded: OptionCodec.integer(bytes))
            return kind == .bool ? .bool(n != 0) : .int(n)
        }
    }
}

extension NativeOptionKind {
    /// The largest native option value ESock passes to the kernel.
    public static let maxBytes = 64 * 1024
}
