import ESock
import Foundation
import Synchronization
import Testing

/// Runs the built `esock-stress` binary as a subprocess.
enum CLI {
    /// The binary: next to the test bundle (same build directory), else under the package's
    /// `.build/debug`.
    static let binary: URL? = {
        let fm = FileManager.default
        var candidates: [URL] = []
        if let exe = try? fm.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append(URL(fileURLWithPath: exe).deletingLastPathComponent().appendingPathComponent("esock-stress"))
        }
        // Tests/ESockStressTests/Support/CLI.swift -> package root.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug/esock-stress"))
        return candidates.first { fm.isExecutableFile(atPath: $0.path) }
    }()

    /// The binary, or a recorded failure saying it was not built.
    static func requireBinary() throws -> URL {
        try #require(binary != nil, "esock-stress is not built next to the tests; run `swift build --build-tests` first")
        return binary!
    }

    /// What a finished run gave.
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        /// stderr without trailing blank lines, split into lines.
        var stderrLines: [Substring] { stderr.split(separator: "\n", omittingEmptySubsequences: true) }
    }

    /// Runs `esock-stress arguments...` to the end (killed after `timeout`).
    static func run(_ arguments: [String], timeout: Duration = .seconds(60)) async throws -> Result {
        let p = try Running(arguments)
        return await p.wait(timeout: timeout)
    }

    /// A running `esock-stress` with its output collected.
    final class Running: @unchecked Sendable {
        private let process = Process()
        private let out = Collector()
        private let err = Collector()

        init(_ arguments: [String]) throws {
            process.executableURL = try CLI.requireBinary()
            process.arguments = arguments
            process.standardInput = FileHandle.nullDevice
            let o = Pipe(), e = Pipe()
            process.standardOutput = o
            process.standardError = e
            try process.run()
            out.drain(o.fileHandleForReading.fileDescriptor)
            err.drain(e.fileHandleForReading.fileDescriptor)
        }

        var pid: Int32 { process.processIdentifier }
        var isRunning: Bool { process.isRunning }

        /// The first stdout line, waiting up to `timeout`; nil if the process ended first.
        func firstLine(timeout: Duration = .seconds(20)) async -> String? {
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                let (text, done) = out.snapshot
                if let nl = text.firstIndex(of: "\n") { return String(text[..<nl]) }
                if done { return nil }
                try? await Task.sleep(for: .milliseconds(20))
            }
            return nil
        }

        /// `serve`'s port, from its `listening PORT` line.
        func listeningPort() async throws -> UInt16 {
            let line = try #require(await firstLine(), "serve printed nothing; stderr: \(err.snapshot.0)")
            let parts = line.split(separator: " ")
            try #require(parts.count == 2 && parts[0] == "listening", "unexpected first line: \(line)")
            return try #require(UInt16(parts[1]), "no port in: \(line)")
        }

        func signal(_ sig: Int32) { kill(process.processIdentifier, sig) }

        /// Waits for the exit (SIGKILL after `timeout`, which the status then shows as 128+9).
        func wait(timeout: Duration = .seconds(30)) async -> Result {
            let deadline = ContinuousClock.now + timeout
            while process.isRunning && ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(20))
            }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            // Also after a normal exit: it drops Foundation's run-loop source, which holds the
            // Process (and its pipes) until then.
            process.waitUntilExit()
            let readDeadline = ContinuousClock.now + .seconds(2)
            while !(out.snapshot.1 && err.snapshot.1) && ContinuousClock.now < readDeadline {
                try? await Task.sleep(for: .milliseconds(10))
            }
            let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus
                                                                      : process.terminationStatus
            return Result(status: status, stdout: out.snapshot.0, stderr: err.snapshot.0)
        }

        deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
    }

    /// Reads a pipe to its end on a thread of its own.
    final class Collector: Sendable {
        private let state = Lock<([UInt8], Bool)>(([], false))

        var snapshot: (String, Bool) { state.withLock { (String(decoding: $0.0, as: UTF8.self), $0.1) } }

        func drain(_ fd: Int32) {
            Thread.detachNewThread { [self] in
                var buf = [UInt8](repeating: 0, count: 65536)
                while true {
                    let n = read(fd, &buf, buf.count)
                    if n < 0 && errno == EINTR { continue }
                    if n <= 0 { state.withLock { $0.1 = true }; return }
                    state.withLock { $0.0 += buf[..<n] }
                }
            }
        }
    }

    /// Parses one JSON object.
    static func json(_ text: String) throws -> [String: Any] {
        let data = Data(text.utf8)
        let obj = try JSONSerialization.jsonObject(with: data)
        return try #require(obj as? [String: Any], "not a JSON object: \(text.prefix(200))")
    }
}
