#if canImport(Glibc)
import Glibc
#endif

/// Process-wide settings every subcommand needs.
enum ProcessSetup {
    /// Ignores SIGPIPE: a reader of our stdout going away, or a peer resetting, must show up
    /// as an error we report, not kill the process.
    static func run() {
        signal(SIGPIPE, SIG_IGN)
    }
}
