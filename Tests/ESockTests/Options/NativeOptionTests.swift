import Testing
@testable import ESock
#if canImport(Glibc)
import Glibc
#endif

/// `setoptNative`/`getoptNative` (OTP's setopt_native/getopt_native): options by number,
/// values as integers, booleans or bytes; the kernel's errors come back typed.
@Suite("Native options")
struct NativeOptionTests {
    static let solSocket = Int32(SOL_SOCKET)
    static let tcp = Int32(IPPROTO_TCP)

    @Test("set and read by number, seen by the option table too", arguments: TestBackends.all)
    func roundTrip(backend: Backend) throws {
        guard let api = try TestBackends.api(backend) else { return }
        let s = try api.open(.inet, .stream, .tcp)
        defer { try? api.close(s) }
        try api.setoptNative(s, level: Self.solSocket, name: SO_KEEPALIVE, .bool(true))
        #expect(try api.getopt(s, .keepalive) == .bool(true))
        #expect(try api.getoptNative(s, level: Self.solSocket, name: SO_KEEPALIVE, as: .int) == .int(1))
        try api.setoptNative(s, level: Self.tcp, name: Int32(TCP_NODELAY), .bytes(withUnsafeBytes(of: Int32(1)) { Array($0) }))
        #expect(try api.getoptNative(s, level: Self.tcp, name: Int32(TCP_NODELAY), as: .bool) == .bool(true))
        try api.setoptNative(s, level: Self.solSocket, name: SO_RCVBUF, .int(65536))
        guard case .int(let n) = try api.getoptNative(s, level: Self.solSocket, name: SO_RCVBUF, as: .int) else {
            Issue.record("rcvbuf is not an int")
            return
        }
        #expect(n >= 65536, "the kernel doubles what it was given")
        guard case .bytes(let b) = try api.getoptNative(s, level: Self.solSocket, name: SO_TYPE, as: .bytes(16)) else {
            Issue.record("type is not bytes")
            return
        }
        #expect(b == withUnsafeBytes(of: Int32(SOCK_STREAM.rawValue)) { Array($0) })
    }

    @Test("bad input and kernel refusals are typed errors", arguments: TestBackends.all)
    func errors(backend: Backend) throws {
        guard let api = try TestBackends.api(backend) else { return }
        let s = try api.open(.inet, .stream, .tcp)
        #expect(throws: SocketError.errno(.enoprotoopt)) {
            try api.setoptNative(s, level: Self.solSocket, name: 9999, .int(1))
        }
        #expect(throws: SocketError.errno(.enoprotoopt)) {
            _ = try api.getoptNative(s, level: Self.tcp, name: 9999, as: .int)
        }
        #expect(throws: SocketError.self) { _ = try api.getoptNative(s, level: Self.solSocket, name: SO_TYPE, as: .bytes(-1)) }
        #expect(throws: SocketError.self) {
            try api.setoptNative(s, level: Self.solSocket, name: SO_KEEPALIVE, .bytes([UInt8](repeating: 0, count: 70_000)))
        }
        try api.close(s)
        #expect(throws: SocketError.closed) { try api.setoptNative(s, level: Self.solSocket, name: SO_KEEPALIVE, .int(1)) }
        #expect(throws: SocketError.closed) { _ = try api.getoptNative(s, level: Self.solSocket, name: SO_KEEPALIVE, as: .int) }
    }
}
