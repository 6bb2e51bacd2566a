import ESock
import Foundation
import Subprocess

/// This tool's own subcommands (`serve`, `load`) run as child processes on swift-subprocess,
/// optionally pinned to a CPU with `taskset`. Every wait is bounded: a child that outlives
/// its time is torn down (SIGTERM, then SIGKILL two seconds later).
enum ChildProcess {
    /// What a finished child left behind.
    struct Outcome: Sendable {
        /// The exit status; 128 + N when signal N ended it, as a shell reports it.
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The path of this executable.
    static var selfPath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// `taskset`'s path, if installed.
    static let taskset: String? = ["/usr/bin/taskset", "/bin/taskset"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// Output beyond these sizes fails the child's run rather than filling memory.
    private static let stdoutLimit = 16 << 20
    private static let stderrLimit = 4 << 20

    /// Runs `selfPath arguments...` (on `cpu`, when given) to its end and collects its output.
    /// One still running after `timeout` is torn down, and the run fails.
    static func run(label: String, arguments: [String], cpu: Int?,
                    timeout: Duration) async throws(CLIFailure) -> Outcome {
        let config = configuration(arguments, cpu: cpu)
        let finished = await TimeLimit.result(timeout) {
            try await Subprocess.run(config, output: .string(limit: stdoutLimit), error: .string(limit: stderrLimit))
        }
        switch finished {
        case nil:
            throw CLIFailure("\(label) did not finish within \(Format.fixed(timeout.seconds, 0)) s")
        case .failure(let error)?:
            throw CLIFailure("cannot run \(label) (\(selfPath)): \(error)")
        case .success(let r)?:
            return Outcome(status: status(r.terminationStatus), stdout: r.standardOutput, stderr: r.standardError)
        }
    }

    /// A server child: started, its first line on stdout awaited (up to `startTimeout`; nil
    /// if it ended or said nothing), `body` run with that line and the child's pid, then
    /// SIGTERM and up to `stopTimeout` for it to exit (SIGKILL after that).
    static func withServer<T: Sendable>(
        label: String, arguments: [String], cpu: Int?, startTimeout: Duration, stopTimeout: Duration,
        _ body: @escaping @Sendable (_ firstLine: String?, _ pid: Int32) async throws(CLIFailure) -> T
    ) async throws(CLIFailure) -> (T, Outcome) {
        let config = configuration(arguments, cpu: cpu)
        do {
            let result = try await Subprocess.run(config, input: .none, output: .sequence,
                                                  error: .string(limit: stderrLimit)) { execution in
                let pid = execution.processIdentifier.value
                let lines = StdoutLines(execution.standardOutput)
                let first = await TimeLimit.run(startTimeout, onTimeout: { try? execution.send(signal: .kill) }) {
                    await lines.first()
                }
                let answer: Result<T, CLIFailure>
                do throws(CLIFailure) {
                    answer = .success(try await body(first ?? nil, pid))
                } catch {
                    answer = .failure(error)
                }
                try? execution.send(signal: .terminate)
                // The child's stdout ends when it exits: that is the wait for it.
                let rest = await TimeLimit.run(stopTimeout, onTimeout: { try? execution.send(signal: .kill) }) {
                    await lines.rest()
                }
                return answer.map { ($0, rest ?? "") }
            }
            let (value, stdout) = try result.closureResult.get()
            return (value, Outcome(status: status(result.terminationStatus), stdout: stdout,
                                   stderr: result.standardError))
        } catch let failure as CLIFailure {
            throw failure
        } catch {
            throw CLIFailure("cannot run \(label) (\(selfPath)): \(error)")
        }
    }

    /// `selfPath arguments...`, through `taskset -c CPU` when a CPU is asked for.
    private static func configuration(_ arguments: [String], cpu: Int?) -> Configuration {
        var options = PlatformOptions()
        options.teardownSequence = [.gracefulShutDown(allowedDurationToNextStep: .seconds(2))]
        if let cpu, let taskset {
            return Configuration(executable: .path(.init(taskset)), arguments: Arguments(["-c", "\(cpu)", selfPath] + arguments),
                                 platformOptions: options)
        }
        return Configuration(executable: .path(.init(selfPath)), arguments: Arguments(arguments), platformOptions: options)
    }

    /// The exit status as a shell reports it.
    private static func status(_ t: TerminationStatus) -> Int32 {
        switch t {
        case .exited(let code): return code
        case .signaled(let sig): return 128 + sig
        }
    }
}

/// A child's stdout read line by line, from a task of its own: the first line is handed
/// over as soon as it arrives, the rest is kept until the stream ends.
private final class StdoutLines: Sendable {
    private let reader: Task<[String], Never>
    private let firstLine: Task<String?, Never>

    init(_ output: SubprocessOutputSequence) {
        let (stream, sink) = AsyncStream<String>.makeStream()
        reader = Task {
            var all: [String] = []
            do {
                for try await line in output.strings() {
                    if all.isEmpty { sink.yield(line) }
                    all.append(line)
                }
            } catch {
                // A read error ends the output like its end does.
            }
            sink.finish()
            return all
        }
        firstLine = Task {
            for await line in stream { return line }
            return nil
        }
    }

    /// The first line, or nil once the output ended without one.
    func first() async -> String? { await firstLine.value }

    /// Every line after the first, once the output has ended.
    func rest() async -> String {
        await reader.value.dropFirst().joined(separator: "\n")
    }
}
