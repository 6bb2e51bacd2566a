#if canImport(Glibc)
import Glibc
#endif
import ESock
import ESockSystem
import SystemPackage
import Testing

/// poll is usable everywhere ESock runs (io_uring may be blocked), and the conversions do not
/// depend on the backend.
@Suite struct FileDescriptorTests {
    @Test func descriptorOfASocket() throws {
        let api = try socketAPI(.poll)
        let socket = try api.open(.inet, .stream)
        defer { try? api.close(socket) }
        #expect(FileDescriptor(socket).rawValue == socket.fileDescriptor)
    }

    @Test func openWithADuplicateLeavesTheDescriptorToTheCaller() throws {
        let api = try socketAPI(.poll)
        let original = try api.open(.inet, .dgram)
        defer { try? api.close(original) }
        let wrapped = try api.open(descriptor: FileDescriptor(original))
        #expect(wrapped.fileDescriptor != original.fileDescriptor)
        #expect(wrapped.domain == .inet)
        #expect(wrapped.type == .dgram)
        try api.close(wrapped)
        // The original descriptor is still open: the socket still answers.
        _ = try api.sockname(original)
    }

    @Test func openWithoutDupTakesOwnership() throws {
        let api = try socketAPI(.poll)
        let raw = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(raw >= 0)
        let socket = try api.open(descriptor: FileDescriptor(rawValue: raw), dup: false)
        #expect(socket.fileDescriptor == raw)
        #expect(socket.type == .stream)
        try api.close(socket)
        // Closed with the socket: the descriptor number no longer names an open file.
        #expect(fcntl(raw, F_GETFD) == -1)
    }

    @Test func aDescriptorThatIsNoSocketIsAnErrno() throws {
        let api = try socketAPI(.poll)
        let file = try FileDescriptor.open("/dev/null", .readOnly)
        defer { try? file.close() }
        let error = #expect(throws: SocketError.self) { _ = try api.open(descriptor: file) }
        #expect(error?.systemErrno == .notSocket)
    }
}
