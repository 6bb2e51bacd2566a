import UnixSignals

/// SIGINT and SIGTERM, trapped by swift-service-lifecycle's `UnixSignalsSequence`: once it
/// exists, either signal is delivered to ``wait(upTo:)`` instead of ending the process.
struct TerminationSignals: Sendable {
    private let signals: UnixSignalsSequence

    /// Starts trapping SIGINT and SIGTERM. Call before telling anyone the process is ready,
    /// so an early signal is caught rather than fatal.
    init() async {
        signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
    }

    /// Waits for a signal or until `limit` passes; returns the signal's name (`SIGTERM`), or
    /// nil on timeout.
    func wait(upTo limit: Duration) async -> String? {
        let signals = self.signals
        let got = await TimeLimit.run(limit) { () async -> UnixSignal? in
            for await sig in signals { return sig }
            return nil
        }
        return (got ?? nil)?.description
    }
}
