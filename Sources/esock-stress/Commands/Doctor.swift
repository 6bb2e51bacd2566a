import ArgumentParser

/// `esock-stress doctor`: what this machine and sandbox allow.
struct Doctor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what this machine and sandbox allow: io_uring, the auto backend, SCTP, IPv6, limits.",
        discussion: "Exits 0 when io_uring is usable, 1 when it is not (the report says why).")

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func run() async throws {
        let report = DoctorReport.gather()
        Output.line(json ? Output.json(report, pretty: true) : report.text)
        if !report.ioUring.usable { throw ExitCode.failure }
    }
}
