import Testing
@testable import ESock
#if canImport(Glibc)
import Glibc
#endif

extension TestBackends {
    /// What the environment says about io_uring: `ESOCK_EXPECT_URING=1` (it must be usable),
    /// `=0` (it must not be, as in a container with the default seccomp profile), or nil
    /// when unset (either is fine; the tests follow the probe).
    static var expectsURing: Bool? {
        switch environment("ESOCK_EXPECT_URING") {
        case "1": return true
        case "0": return false
        default: return nil
        }
    }

    /// The value of the environment variable `name`, nil when unset or empty.
    static func environment(_ name: String) -> String? {
        guard let v = getenv(name).map({ String(cString: $0) }), !v.isEmpty else { return nil }
        return v
    }

    /// The API for `backend`. Where uring cannot run here the current test case is cancelled
    /// with the reason, so it is reported as skipped rather than as passing; where
    /// `ESOCK_EXPECT_URING=1` says uring must work, its absence fails the case instead.
    static func apiOrCancel(_ backend: Backend, sourceLocation: SourceLocation = #_sourceLocation) throws -> any SocketAPI {
        if backend == .uring, let why = uringUnavailable {
            if expectsURing == true {
                Issue.record("ESOCK_EXPECT_URING=1 but io_uring is unusable: \(why)", sourceLocation: sourceLocation)
                throw SocketError.invalid(.backend(why))
            }
            print("ESockTests: uring case skipped: \(why)")
            try Test.cancel("uring skipped: \(why)", sourceLocation: sourceLocation)
        }
        return try socketAPI(backend)
    }
}
