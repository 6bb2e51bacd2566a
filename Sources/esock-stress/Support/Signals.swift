import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Waiting for SIGINT or SIGTERM without the default action killing the process.
final class TerminationSignals: @unchecked Sendable {
    // Kept alive for as long as the watcher exists; touched only at init.
    private let sources: [any DispatchSourceSignal]
    private let stream: AsyncStream<Int32>

    /// Starts catching SIGINT and SIGTERM. Call before telling anyone the process is ready,
    /// so an early signal is caught rather than fatal.
    init() {
        let (stream, continuation) = AsyncStream<Int32>.makeStream(bufferingPolicy: .bufferingNewest(4))
        self.stream = stream
        var made: [any DispatchSourceSignal] = []
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { continuation.yield(sig) }
            source.resume()
            made.append(source)
        }
        sources = made
    }

    /// Waits for a signal or until `limit` passes; returns the signal, or nil on timeout.
    func wait(upTo limit: Duration) async -> Int32? {
        let stream = self.stream
        return await withTaskGroup(of: Int32?.self) { group in
            group.addTask {
                for await sig in stream { return sig }
                return nil
            }
            group.addTask {
                try? await Task.sleep(for: limit)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    /// The signal's name for messages.
    static func name(_ sig: Int32) -> String {
        switch sig {
        case SIGINT: return "SIGINT"
        case SIGTERM: return "SIGTERM"
        default: return "signal \(sig)"
        }
    }
}
