#if canImport(Glibc)
import Glibc
#endif

extension EngineBackedAPI {
    public func setopt(_ socket: Socket, _ option: SocketOption, _ value: OptionValue) throws(SocketError) {
        let spec = try OptionTable.spec(option, for: socket, setting: true)
        switch spec.storage {
        case .esock:
            try socket.state.withLock { st throws(SocketError) in
                if st.closed { throw .closed }
                switch (option.name, value) {
                case ("rcvbuf", .int(let n)) where n > 0: st.otp.rcvbuf = n
                case ("rcvbuf", .pair(let count, let size)) where count > 0 && size > 0 && socket.type == .stream:
                    st.otp.rcvbuf = count * size
                case ("rcvbuf", .default): st.otp.rcvbuf = 8192
                case ("rcvctrlbuf", .int(let n)) where n > 0: st.otp.rcvctrlbuf = n
                case ("rcvctrlbuf", .default): st.otp.rcvctrlbuf = 1024
                case ("sndctrlbuf", .int(let n)) where n > 0: st.otp.sndctrlbuf = n
                case ("sndctrlbuf", .default): st.otp.sndctrlbuf = 1024
                case ("debug", .bool(let b)): st.otp.debug = b
                case ("meta", .string(let s)): st.otp.meta = s
                default: throw option.invalid
                }
            }
        case .kernel(let level, let name):
            var bytes = try encode(value, spec.kind, option)
            _ = try Check.open(socket) { () throws(Errno) -> Int32 in
                let r = bytes.withUnsafeMutableBytes { b in
                    setsockopt(socket.fileDescriptor, level, name, b.baseAddress, socklen_t(b.count))
                }
                if r != 0 { throw Errno.current }
                return r
            }
        }
    }

    public func getopt(_ socket: Socket, _ option: SocketOption) throws(SocketError) -> OptionValue {
        let spec = try OptionTable.spec(option, for: socket, setting: false)
        switch spec.storage {
        case .esock:
            return try socket.state.withLock { st throws(SocketError) -> OptionValue in
                if st.closed { throw .closed }
                switch (option.level, option.name) {
                case (.otp, "rcvbuf"): return .int(st.otp.rcvbuf)
                case (.otp, "rcvctrlbuf"): return .int(st.otp.rcvctrlbuf)
                case (.otp, "sndctrlbuf"): return .int(st.otp.sndctrlbuf)
                case (.otp, "use_registry"): return .bool(socket.usesRegistry)
                case (.otp, "debug"): return .bool(st.otp.debug)
                case (.otp, "meta"): return .string(st.otp.meta)
                case (.socket, "domain"): return .domain(socket.domain)
                case (.socket, "type"): return .type(socket.type)
                case (.socket, "protocol"): return .protocol(socket.protocol)
                default: throw option.invalid
                }
            }
        case .kernel(let level, let name):
            var buffer = [UInt8](repeating: 0, count: 64)
            let n = try Check.open(socket) { () throws(Errno) -> Int in
                var len = socklen_t(buffer.count)
                let r = buffer.withUnsafeMutableBytes { getsockopt(socket.fileDescriptor, level, name, $0.baseAddress, &len) }
                if r != 0 { throw Errno.current }
                return Int(len)
            }
            return decode(Array(buffer.prefix(n)), spec.kind)
        }
    }

    private func encode(_ value: OptionValue, _ kind: OptionSpec.Kind, _ option: SocketOption) throws(SocketError) -> [UInt8] {
        switch (kind, value) {
        case (.bool, .bool(let b)): return Self.bytes(of: Int32(b ? 1 : 0))
        case (.int, .int(let n)) where n >= Int(Int32.min) && n <= Int(Int32.max): return Self.bytes(of: Int32(n))
        case (.string, .string(let s)): return Array(s.utf8)
        case (.linger, .linger(let l)):
            guard (l ?? 0) >= 0 else { throw option.invalid }
            return Self.bytes(of: Glibc.linger(l_onoff: l == nil ? 0 : 1, l_linger: Int32(l ?? 0)))
        case (.microseconds, .microseconds(let us)) where us >= 0:
            return Self.bytes(of: timeval(tv_sec: us / 1_000_000, tv_usec: us % 1_000_000))
        default:
            throw option.invalid
        }
    }

    private func decode(_ b: [UInt8], _ kind: OptionSpec.Kind) -> OptionValue {
        func int32() -> Int32 { b.count >= 4 ? b.withUnsafeBytes { $0.loadUnaligned(as: Int32.self) } : 0 }
        switch kind {
        case .bool: return .bool(int32() != 0)
        case .string: return .string(String(decoding: b.prefix { $0 != 0 }, as: UTF8.self))
        case .linger:
            let l = b.withUnsafeBytes { $0.loadUnaligned(as: Glibc.linger.self) }
            return .linger(l.l_onoff == 0 ? nil : Int(l.l_linger))
        case .microseconds:
            let t = b.withUnsafeBytes { $0.loadUnaligned(as: timeval.self) }
            return .microseconds(t.tv_sec * 1_000_000 + t.tv_usec)
        default: return .int(Int(int32()))
        }
    }

    private static func bytes<T>(of value: T) -> [UInt8] { withUnsafeBytes(of: value) { Array($0) } }
}

/// Whether this build and kernel support an option.
public func isSupported(_ option: SocketOption) -> Bool { OptionTable.isSupported(option) }
