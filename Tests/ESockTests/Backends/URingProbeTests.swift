import Testing
@testable import ESock

/// What the io_uring probe finds out beyond opcodes: features that depend on the kernel's
/// version because the opcode probe cannot tell their flags apart.
@Suite("io_uring probe: kernel features")
struct URingProbeTests {
    @Test("kernel release strings parse to (major, minor)")
    func parsesReleases() {
        #expect(URingProbe.parseKernelRelease("6.1.0-18-amd64") == (6, 1))
        #expect(URingProbe.parseKernelRelease("5.19.17") == (5, 19))
        #expect(URingProbe.parseKernelRelease("6.18.0") == (6, 18))
        #expect(URingProbe.parseKernelRelease("weird") == (0, 0))
    }

    @Test("multishot and cancel-by-descriptor follow the kernel version, and info() says so")
    func featuresFromVersion() throws {
        let probe = URingProbe.current
        let k = probe.kernel
        #expect(probe.supportsMultishot == (k >= (6, 0)))
        #expect(probe.supportsMultishotAccept == (k >= (5, 19)))
        #expect(probe.supportsCancelByDescriptor == (k >= (5, 19)))
        guard let api = try TestBackends.api(.uring) else { return }
        let details = api.info().details
        #expect(details["multishot"]?.hasPrefix(probe.supportsMultishot ? "yes" : "no") == true)
        #expect(details["cancel_by_fd"]?.hasPrefix(probe.supportsCancelByDescriptor ? "yes" : "no") == true)
    }
}
