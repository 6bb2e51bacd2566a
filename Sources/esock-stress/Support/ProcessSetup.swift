#if canImport(Glibc)
import Glibc
#endif

/// Process-wide settings every subcommand needs.
enum ProcessSetup {
    /// Ignores SIGPIPE: a reader of our stdout going away, or a peer resetting, must show up
    /// as an error we report, not kill the process. A setting, not a handler: trapping it
    /// with a `UnixSignalsSequence` instead makes a write to a closed pipe spin at 100% CPU
    /// (the signal is raised by the write itself, in the writing thread).
    static func run() {
        signal(SIGPIPE, SIG_IGN)
    }
}
