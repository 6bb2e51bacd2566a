import ESock
import Dispatch
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A child process of this tool (`esock-stress serve` or `load`), optionally pinned to a CPU
/// with `taskset`, with its stdout and stderr collected.
final class ChildProcess: @unchecked Sendable {
    // Process is not Sendable; it is only touched from the methods below, one at a time.
    private let process = Process()
    private let stdoutPipe = Pipe()
    private let stderrPipe = Pipe()
    private let collected = Lock<(out: [UInt8], err: [UInt8], outDone: Bool, errDone: Bool)>(([], [], false, false))
    private let outputChanged = DispatchSemaphore(value: 0)
    let label: String

    /// The path of this executable.
    static var selfPath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// `taskset`'s path, if installed.
    static let taskset: String? = ["/usr/bin/taskset", "/bin/taskset"].first { access($0, X_OK) == 0 }

    /// Starts `selfPath arguments...`, on `cpu` when given (and taskset exists).
    init(label: String, arguments: [String], cpu: Int?) throws(CLIFailure) {
        self.label = label
        if let cpu, let taskset = Self.taskset {
            process.executableURL = URL(fileURLWithPath: taskset)
            process.arguments = ["-c", "\(cpu)", Self.selfPath] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: Self.selfPath)
            process.arguments = arguments
        }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe
        do {
            try process.run()
        } catch {
            throw CLIFailure("cannot start \(label) (\(Self.selfPath)): \(error)")
        }
        drain(stdoutPipe.fileHandleForReading, isStdout: true)
        drain(stderrPipe.fileHandleForReading, isStdout: false)
    }

    var pid: Int32 { process.processIdentifier }

    /// Reads a pipe to its end on a thread of its own, so the child never blocks on a full pipe.
    private func drain(_ handle: FileHandle, isStdout: Bool) {
        let fd = handle.fileDescriptor
        Thread.detachNewThread { [self] in
            var buf = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = read(fd, &buf, buf.count)
                if n < 0 && errno == EINTR { continue }
                let chunk = n > 0 ? Array(buf[..<n]) : []
                collected.withLock { c in
                    if isStdout { c.out += chunk; if n <= 0 { c.outDone = true } }
                    else { c.err += chunk; if n <= 0 { c.errDone = true } }
                }
                outputChanged.signal()
                if n <= 0 { return }
            }
        }
    }

    /// Waits (up to `timeout`) for the first line on stdout; nil if the child ended or the
    /// time passed first.
    func firstLine(timeout: Duration) async -> String? {
        let deadline = ContinuousClock.now + timeout
        return await withCheckedContinuation { (c: CheckedContinuation<String?, Never>) in
            Thread.detachNewThread { [self] in
                while true {
                    let (line, done): (String?, Bool) = collected.withLock { s in
                        if let nl = s.out.firstIndex(of: UInt8(ascii: "\n")) {
                            return (String(decoding: s.out[..<nl], as: UTF8.self), true)
                        }
                        return (nil, s.outDone)
                    }
                    if line != nil || done || ContinuousClock.now >= deadline { c.resume(returning: line); return }
                    _ = outputChanged.wait(timeout: .now() + .milliseconds(50))
                }
            }
        }
    }

    /// Sends `signal` to the child.
    func signal(_ sig: Int32) {
        if process.isRunning { Glibc.kill(process.processIdentifier, sig) }
    }

    /// Waits up to `timeout` for the child to exit (killing it after that); returns its exit
    /// status, stdout and stderr.
    func wait(timeout: Duration) async -> (status: Int32, stdout: String, stderr: String) {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if process.isRunning {
            Glibc.kill(process.processIdentifier, SIGKILL)
            while process.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
        }
        // Returns at once now; it is what drops Foundation's run-loop source, which holds the
        // Process (and its pipes) until then: without it every child leaks them.
        process.waitUntilExit()
        // The pipes close when the child exits; give the readers a moment to see the end.
        let readDeadline = ContinuousClock.now + .seconds(2)
        while !collected.withLock({ $0.outDone && $0.errDone }) && ContinuousClock.now < readDeadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        return collected.withLock { c in
            (status, String(decoding: c.out, as: UTF8.self), String(decoding: c.err, as: UTF8.self))
        }
    }

    /// Stops the child at once (used on the way out after a failure).
    func kill() {
        signal(SIGKILL)
    }
}
