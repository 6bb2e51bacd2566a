import Foundation
import Testing
@_spi(Fuzzing) @testable import ESock

#if canImport(Glibc)
import Glibc
#endif

/// Replays the fuzz targets' inputs through the same ``FuzzEntryPoints`` functions: every
/// input that once crashed a decoder (`Tests/ESockTests/Fuzz/Regressions/<Target>/`, where
/// `Scripts/fuzz.sh` puts them) and every seed (`Fuzz/Corpus/<Target>/`). A decoder that
/// crashes again takes the test process down with it; a seed that no longer decodes fails.
@Suite struct FuzzRegressionTests {
    static let targets = ["FuzzAddress", "FuzzOption", "FuzzMessage"]

    static func run(_ target: String, _ input: [UInt8]) -> Int {
        input.withUnsafeBytes { bytes in
            switch target {
            case "FuzzAddress": return FuzzEntryPoints.address(bytes)
            case "FuzzOption": return FuzzEntryPoints.option(bytes)
            default: return FuzzEntryPoints.message(bytes)
            }
        }
    }

    /// The files in `folder`, by name, with their bytes.
    static func inputs(_ folder: URL) throws -> [(name: String, bytes: [UInt8])] {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        return try names.map { ($0, Array(try Data(contentsOf: folder.appendingPathComponent($0)))) }
    }

    static let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()

    @Test(arguments: targets)
    func regressionsReplay(target: String) throws {
        let inputs = try Self.inputs(Self.here.appendingPathComponent("Regressions/\(target)"))
        #expect(!inputs.isEmpty, "no regression inputs for \(target)")
        for input in inputs {
            #expect(Self.run(target, input.bytes) >= 0, "\(target)/\(input.name)")
        }
    }

    @Test(arguments: targets)
    func seedsDecode(target: String) throws {
        let root = Self.here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let inputs = try Self.inputs(root.appendingPathComponent("Fuzz/Corpus/\(target)"))
        #expect(!inputs.isEmpty, "no seeds for \(target)")
        // Every seed is a well-formed input, so each one decodes to something.
        for input in inputs {
            #expect(Self.run(target, input.bytes) > 0, "\(target) seed \(input.name) decoded nothing")
        }
    }

    @Test func cmsgBufferDecodesToControlMessages() {
        // Two cmsghdrs as the kernel lays them out: len, level, type, data, padded to 8.
        let first: [UInt8] = bytes(of: 20) + bytes(of: Int32(0)) + bytes(of: Int32(1)) + [1, 2, 3, 4, 0, 0, 0, 0]
        let second: [UInt8] = bytes(of: 17) + bytes(of: Int32(41)) + bytes(of: Int32(50)) + [9]
        #expect(OptionCodec.decode(first + second, as: .controlMessages) == .controlMessages([
            ControlMessage(level: 0, type: 1, data: [1, 2, 3, 4]),
            ControlMessage(level: 41, type: 50, data: [9]),
        ]))
    }

    @Test func cmsgLengthPastTheBufferEndsTheWalk() {
        let first: [UInt8] = bytes(of: 20) + bytes(of: Int32(0)) + bytes(of: Int32(1)) + [1, 2, 3, 4, 0, 0, 0, 0]
        let huge: [UInt8] = bytes(of: Int.max) + bytes(of: Int32(0)) + bytes(of: Int32(2))
        let kept = [ControlMessage(level: 0, type: 1, data: [1, 2, 3, 4])]
        #expect(OptionCodec.decode(first + huge, as: .controlMessages) == .controlMessages(kept))
        #expect((first + huge).withUnsafeBytes { MessageHeader.controlMessages(in: $0) } == kept)
        // Shorter than its own header: nothing after it is read either.
        let short: [UInt8] = bytes(of: 8) + bytes(of: Int32(0)) + bytes(of: Int32(2))
        #expect((first + short + first).withUnsafeBytes { MessageHeader.controlMessages(in: $0) } == kept)
    }

    @Test func addressTextWithANulIsRefused() {
        #expect(IPv4Address("1.2.3.4\0x") == nil)
        #expect(IPv6Address("::\0") == nil)
        #expect(SocketAddress("1.2.3.4\0x:80") == nil)
        #expect(SocketAddress("[::1\0]:80") == nil)
        #expect(SocketAddress("1.2.3.4:80") == .inet(IPv4Address(1, 2, 3, 4), port: 80))
    }

    @Test func unixNameLongerThanTheStorageIsCutAtTheStorage() {
        // A length past sockaddr_storage, as the kernel reports for a name that did not fit.
        var s = SockaddrStorage()
        withUnsafeMutableBytes(of: &s.storage) { _ = $0.initializeMemory(as: UInt8.self, repeating: UInt8(ascii: "a")) }
        s.storage.ss_family = sa_family_t(AF_UNIX)
        s.length = socklen_t(UInt16.max)
        let room = MemoryLayout<sockaddr_storage>.size - MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)!
        #expect(s.address == .local(path: String(repeating: "a", count: room)))
    }

    @Test func timevalBeyondIntMicrosecondsIsClamped() {
        #expect(OptionCodec.decode(bytes(of: timeval(tv_sec: 2, tv_usec: 500_000)), as: .timeval) == .microseconds(2_500_000))
        #expect(OptionCodec.decode(bytes(of: timeval(tv_sec: .max, tv_usec: 0)), as: .timeval) == .microseconds(.max))
        #expect(OptionCodec.decode(bytes(of: timeval(tv_sec: .min, tv_usec: 0)), as: .timeval) == .microseconds(.min))
        #expect(OptionCodec.decode(bytes(of: timeval(tv_sec: 0, tv_usec: .max)), as: .timeval) == .microseconds(.max))
    }

    private func bytes<T>(of value: T) -> [UInt8] { withUnsafeBytes(of: value) { Array($0) } }
}
