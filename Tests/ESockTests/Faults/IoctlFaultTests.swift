import Testing
@testable import ESock
#if canImport(Glibc)
import Glibc
#endif

#if DEBUG
/// ioctl's error paths through the fault seam (site `.ioctl`): the kernel's refusal reaches
/// the caller typed, an interrupted call is retried.
@Suite("Fault seam: ioctl")
struct IoctlFaultTests {
    @Test("the kernel's refusal reaches the caller: a set without privilege", arguments: TestBackends.all)
    func injected(backend: Backend) throws {
        guard let api = try TestBackends.api(backend) else { return }
        let s = try api.open(.inet, .stream, .tcp)
        defer { FaultInjection.clear(fd: s.fileDescriptor); try? api.close(s) }
        FaultInjection.inject(.errno(.eperm), at: .ioctl, fd: s.fileDescriptor)
        #expect(throws: SocketError.errno(.eperm)) { try api.ioctl(s, .sifmtu("lo", 65536)) }
        FaultInjection.inject(.errno(.eintr), at: .ioctl, fd: s.fileDescriptor)
        #expect(try api.ioctl(s, .nread) == 0, "an interrupted ioctl is retried")
        FaultInjection.inject(.errno(.enotsup), at: .ioctl, fd: s.fileDescriptor)
        #expect(throws: SocketError.errno(.enotsup)) { _ = try api.ioctl(s, .tcpInfo) }
        FaultInjection.inject(.errno(.enomem), at: .ioctl, fd: s.fileDescriptor)
        #expect(throws: SocketError.errno(.enomem)) { _ = try api.ioctl(s, .gifconf) }
    }
}
#endif
