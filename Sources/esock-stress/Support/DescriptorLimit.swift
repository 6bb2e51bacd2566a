#if canImport(Glibc)
import Glibc
#endif

/// The process's descriptor limit (RLIMIT_NOFILE).
enum DescriptorLimit {
    /// Lowers the soft limit to `n` (the hard limit stays), so accepts run into EMFILE.
    static func lower(to n: Int) throws {
        var r = rlimit()
        guard getrlimit(RLIMIT_NOFILE_RESOURCE, &r) == 0 else {
            throw CLIFailure("cannot read the descriptor limit: \(String(cString: strerror(errno)))")
        }
        r.rlim_cur = rlim_t(min(UInt64(n), UInt64(r.rlim_max)))
        guard setrlimit(RLIMIT_NOFILE_RESOURCE, &r) == 0 else {
            throw CLIFailure("cannot lower the descriptor limit to \(n): \(String(cString: strerror(errno)))")
        }
    }

    private static let RLIMIT_NOFILE_RESOURCE = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
}
