import ArgumentParser
import ESock

@main
struct ESockStress: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "esock-stress",
        abstract: "Stress-test and inspect ESock's socket backends.",
        subcommands: [])
}
