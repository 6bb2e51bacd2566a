import Testing
@testable import ESock
#if canImport(Glibc)
import Glibc
#endif

/// Descriptors passed with SCM_RIGHTS on a stream socket are never lost or leaked, even when
/// the receive that carried them is taken back by a cancel.
@Suite("Passed descriptors survive a cancelled receive")
struct PassedDescriptorTests {
    static func rights(_ fd: Int32) -> ControlMessage {
        ControlMessage(level: SOL_SOCKET, type: Int32(SCM_RIGHTS), data: withUnsafeBytes(of: fd) { Array($0) })
    }

    @Test("a recvmsg after a cancelled one gets the bytes and the descriptor", arguments: TestBackends.all)
    func takenBackRights(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api, domain: .local)
        defer { p.close() }
        let passed = open("/dev/null", O_RDONLY | O_CLOEXEC)
        try #require(passed >= 0)
        defer { close(passed) }
        var original = stat()
        fstat(passed, &original)

        let mb = Mailbox()
        let r = try api.recvmsg(p.server, bufferSizes: [100], controlSize: 64, nowait: mb)
        let info = try #require(expectPending(r, backend, .recvmsg))
        try await api.sendmsg(p.client, OutgoingMessage(iov: [Array("hello".utf8)], control: [Self.rights(passed)]),
                              timeout: .seconds(5))
        try #require(await eventually { mb.count == 1 })
        try api.cancel(p.server, info, caller: mb)

        let m = try await api.recvmsg(p.server, bufferSizes: [100], controlSize: 64, timeout: .seconds(5))
        #expect(m.data == Array("hello".utf8))
        let c = try #require(m.control.first { $0.level == SOL_SOCKET && $0.type == Int32(SCM_RIGHTS) },
                             "the passed descriptor was lost")
        let fd = c.data.withUnsafeBytes { $0.loadUnaligned(as: Int32.self) }
        var got = stat()
        #expect(fstat(fd, &got) == 0 && got.st_ino == original.st_ino && got.st_dev == original.st_dev)
        close(fd)
    }
}
