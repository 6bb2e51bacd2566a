import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

/// `esock-stress`: the operator's tool for ESock — what this machine allows, an echo server,
/// a load generator, a side-by-side backend comparison and a connection churn test.
@main
struct ESockStress: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "esock-stress",
        abstract: "Stress-test and inspect ESock's socket backends.",
        discussion: """
            Every run is bounded in time and count, and targets loopback unless --host says \
            otherwise. Exit codes: 0 success, 1 failure (with a one-line reason on stderr), \
            2 bad arguments.
            """,
        subcommands: [Doctor.self, Serve.self, Load.self, Compare.self, Churn.self])

    /// The exit code for bad arguments. ArgumentParser's own is EX_USAGE (64); this tool
    /// uses 2, the common shell convention for usage errors.
    static let usageExitCode: Int32 = 2

    /// Parses and runs the command as ArgumentParser's `main()` does, except that usage
    /// errors exit with ``usageExitCode``.
    static func main() async {
        ProcessSetup.run()
        do {
            var command = try parseAsRoot()
            if var command = command as? AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                Output.error(fullMessage(for: error))
                Glibc.exit(usageExitCode)
            }
            exit(withError: error)
        }
    }
}
