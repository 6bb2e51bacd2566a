#if canImport(Glibc)
import Glibc
#endif

extension ESockAPI {
    public func setopt(_ socket: Socket, _ option: SocketOption, _ value: OptionValue) throws(SocketError) {
        let spec = try OptionTable.spec(option, for: socket, setting: true)
        switch spec.storage {
        case .esock:
            try StoredOptions.set(socket, spec, value)
        case .kernel(let level, let name):
            let bytes = try OptionCodec.encode(value, as: spec.kind, for: option)
            try Check.open(socket) { () throws(Errno) in
                try KernelOptions.set(socket.fileDescriptor, level, name, bytes)
            }
        case .elsewhere:
            throw option.invalid
        }
    }

    public func getopt(_ socket: Socket, _ option: SocketOption) throws(SocketError) -> OptionValue {
        let spec = try OptionTable.spec(option, for: socket, setting: false)
        switch spec.storage {
        case .esock:
            return try StoredOptions.get(socket, spec)
        case .kernel(let level, let name):
            let bytes = try Check.open(socket) { () throws(Errno) -> [UInt8] in
                try KernelOptions.get(socket.fileDescriptor, level, name, capacity: OptionCodec.capacity(for: spec.kind))
            }
            return OptionCodec.decode(bytes, as: spec.kind)
        case .elsewhere:
            throw option.invalid
        }
    }
}

/// get/setsockopt on a descriptor.
enum KernelOptions {
    static func set(_ fd: Int32, _ level: Int32, _ name: Int32, _ bytes: [UInt8]) throws(Errno) {
        let r = bytes.withUnsafeBytes { b in
            setsockopt(fd, level, name, b.count == 0 ? nil : b.baseAddress, socklen_t(b.count))
        }
        if r != 0 { throw Errno.current }
    }

    static func get(_ fd: Int32, _ level: Int32, _ name: Int32, capacity: Int) throws(Errno) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: capacity)
        var len = socklen_t(capacity)
        let r = buffer.withUnsafeMutableBytes { getsockopt(fd, level, name, $0.baseAddress, &len) }
        if r != 0 { throw Errno.current }
        return Array(buffer.prefix(Int(len)))
    }
}

/// The options whose values ESock keeps: level `otp`, and the socket's fixed domain, type
/// and protocol. Values are checked here as OTP checks them (`invalid` otherwise).
enum StoredOptions {
    static func set(_ socket: Socket, _ spec: OptionSpec, _ value: OptionValue) throws(SocketError) {
        let option = spec.option
        try socket.state.withLock { st throws(SocketError) in
            if st.closed { throw .closed }
            switch (option.name, value) {
            case ("rcvbuf", .int(let n)) where n > 0:
                st.otp.rcvbuf = n
                st.otp.rcvbufSetting = value
            case ("rcvbuf", .pair(let count, let size)) where count > 0 && size > 0:
                let (total, overflow) = count.multipliedReportingOverflow(by: size)
                guard !overflow else { throw option.invalid }
                st.otp.rcvbuf = total
                st.otp.rcvbufSetting = value
            case ("rcvbuf", .default):
                st.otp.rcvbuf = OTPOptionValues.defaultRcvbuf
                st.otp.rcvbufSetting = .int(OTPOptionValues.defaultRcvbuf)
            case ("rcvctrlbuf", .int(let n)) where n > 0: st.otp.rcvctrlbuf = n
            case ("rcvctrlbuf", .default): st.otp.rcvctrlbuf = OTPOptionValues.defaultCtrlBuf
            case ("sndctrlbuf", .int(let n)) where n > 0: st.otp.sndctrlbuf = n
            case ("sndctrlbuf", .default): st.otp.sndctrlbuf = OTPOptionValues.defaultCtrlBuf
            case ("debug", .bool(let b)): st.otp.debug = b
            case ("iow", .bool(let b)): st.otp.iow = b
            case ("meta", .string(let s)): st.otp.meta = s
            default: throw option.invalid
            }
        }
    }

    static func get(_ socket: Socket, _ spec: OptionSpec) throws(SocketError) -> OptionValue {
        let option = spec.option
        return try socket.state.withLock { st throws(SocketError) -> OptionValue in
            if st.closed { throw .closed }
            switch (option.level, option.name) {
            case (.otp, "rcvbuf"): return st.otp.rcvbufSetting
            case (.otp, "rcvctrlbuf"): return .int(st.otp.rcvctrlbuf)
            case (.otp, "sndctrlbuf"): return .int(st.otp.sndctrlbuf)
            case (.otp, "use_registry"): return .bool(socket.usesRegistry)
            case (.otp, "debug"): return .bool(st.otp.debug)
            case (.otp, "iow"): return .bool(st.otp.iow)
            case (.otp, "meta"): return .string(st.otp.meta)
            case (.otp, "fd"): return .int(Int(socket.fileDescriptor))
            case (.otp, "domain"), (.socket, "domain"): return .domain(socket.domain)
            case (.socket, "type"): return .type(socket.type)
            case (.socket, "protocol"): return .protocol(socket.protocol)
            default: throw option.invalid
            }
        }
    }
}
