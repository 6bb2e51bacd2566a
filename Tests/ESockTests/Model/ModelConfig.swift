import Foundation

/// How much the model test runs and which operation kinds its generator may choose.
///
/// The budget comes from the environment so that CI stays short and a soak run can go long:
/// `ESOCK_MODEL_SEEDS` (seeds per backend), `ESOCK_MODEL_STEPS` (steps per seed),
/// `ESOCK_MODEL_BASE_SEED` (the first seed; the others follow it), `ESOCK_MODEL_SEED`
/// (replay exactly this one seed), `ESOCK_MODEL_FD_COUNT=1` (also require the process's
/// descriptor count to return to its starting value; only meaningful when nothing else runs
/// in the process, as under `Scripts/soak.sh`).
struct ModelConfig: Sendable {
    var seeds: [UInt64]
    var steps: Int
    var checkDescriptorCount: Bool

    /// Streaming (`stream`) may start on the subject socket.
    var includeStreaming = true
    /// Sends (awaiting, nowait, `write`) may run on a socket that is streaming. Poll's
    /// writable edge after `stream()` is a known defect class.
    var includeStreamingWithSend = true
    /// `write` may be mixed with the send calls on one socket (their relative order is a
    /// known defect class).
    var includeWriteWithSend = true
    /// uring: start streaming while a late cancel's bytes may wait in the stash (off: a
    /// one-try receive takes them first). See `Findings.stashedBytesReachTheStreamHandler`.
    var includeStreamOverStash = true
    /// uring: cancel a receive whose message already arrived while an earlier late cancel's
    /// bytes may still be stashed (off: take the message instead). See
    /// `Findings.stashKeepsStreamOrderAcrossTwoLateCancels`.
    var includeSecondTakeBack = true
    /// uring: hold an awaiting send that timed out to exactly what its partial data says was
    /// not sent (off: anything from that up to all of it). The case: a send queued behind
    /// another caller's, cancelled by its caller-side timer just after reaching the kernel
    /// (model seed 182341349419910 with ESOCK_MODEL_STEPS=100 reported sent bytes unsent).
    var includeStrictSendTimeout = true
    /// Sends and writes after the peer reset the connection (see
    /// `Findings.sendAfterWriteOnResetConnectionFails`).
    var includeSendsAfterReset = true
    /// Awaiting receives with `MSG_PEEK` (duplicated bytes are a known defect class).
    var includePeek = true
    /// The peer may reset the connection (linger 0, then close).
    var includeReset = true
    /// The subject socket may be closed in the middle of a run.
    var includeClose = true

    static let defaultSeeds = 8
    static let defaultSteps = 60
    static let defaultBaseSeed: UInt64 = 0x5EED_0001

    static func fromEnvironment() -> ModelConfig {
        let env = ProcessInfo.processInfo.environment
        func number(_ key: String) -> UInt64? {
            guard let s = env[key]?.trimmingCharacters(in: .whitespaces), !s.isEmpty else { return nil }
            return s.hasPrefix("0x") ? UInt64(s.dropFirst(2), radix: 16) : UInt64(s)
        }
        let steps = Int(number("ESOCK_MODEL_STEPS") ?? UInt64(defaultSteps))
        let seeds: [UInt64]
        if let one = number("ESOCK_MODEL_SEED") {
            seeds = [one]
        } else {
            let count = Int(number("ESOCK_MODEL_SEEDS") ?? UInt64(defaultSeeds))
            let base = number("ESOCK_MODEL_BASE_SEED") ?? defaultBaseSeed
            seeds = (0..<UInt64(max(count, 0))).map { base &+ $0 }
        }
        var config = ModelConfig(seeds: seeds, steps: max(steps, 1),
                                 checkDescriptorCount: env["ESOCK_MODEL_FD_COUNT"] == "1")
        // ESOCK_MODEL_EXCLUDE=streaming,streamingWithSend,writeWithSend,peek,reset,close,
        // streamOverStash,secondTakeBack,strictSendTimeout,sendsAfterReset narrows a failure
        // down to an operation kind.
        for kind in (env["ESOCK_MODEL_EXCLUDE"] ?? "").split(separator: ",") {
            switch kind.trimmingCharacters(in: .whitespaces) {
            case "streaming": config.includeStreaming = false
            case "streamingWithSend": config.includeStreamingWithSend = false
            case "writeWithSend": config.includeWriteWithSend = false
            case "peek": config.includePeek = false
            case "reset": config.includeReset = false
            case "close": config.includeClose = false
            case "streamOverStash": config.includeStreamOverStash = false
            case "secondTakeBack": config.includeSecondTakeBack = false
            case "strictSendTimeout": config.includeStrictSendTimeout = false
            case "sendsAfterReset": config.includeSendsAfterReset = false
            default: break
            }
        }
        return config
    }
}
