import ESock
import ESockSystem
import SystemPackage
import Testing

@Suite struct ErrnoConversionTests {
    @Test(arguments: [ESock.Errno.econnrefused, .eagain, .emfile, .enotsup, .ecanceled, ESock.Errno(rawValue: 4095)])
    func roundTrip(_ errno: ESock.Errno) {
        let system = SystemPackage.Errno(errno)
        #expect(system.rawValue == errno.rawValue)
        #expect(ESock.Errno(system) == errno)
    }

    @Test func namedCasesAgree() {
        #expect(SystemPackage.Errno(ESock.Errno.econnrefused) == .connectionRefused)
        #expect(SystemPackage.Errno(ESock.Errno.eagain) == .resourceTemporarilyUnavailable)
        #expect(ESock.Errno(SystemPackage.Errno.tooManyOpenFiles) == .emfile)
        #expect(ESock.Errno(SystemPackage.Errno.notSupported) == .enotsup)
    }

    @Test func socketErrorCarriesTheSystemErrno() {
        #expect(SocketError.errno(.econnreset).systemErrno == .connectionReset)
        #expect(SocketError.partial(.errno(.epipe), data: [1, 2]).systemErrno == .brokenPipe)
        #expect(SocketError.closed.systemErrno == nil)
        #expect(SocketError.invalid(.state).systemErrno == nil)
    }
}
