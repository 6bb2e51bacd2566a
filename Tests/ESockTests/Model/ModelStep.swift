/// One operation of a model run. A run's steps are a function of its seed alone (see
/// ``ModelStep/generate(seed:count:config:)``); whether a step finds something to act on
/// (a pending operation to cancel, an open socket) depends on timing and is written to the
/// trace.
///
/// The world of a run: a listener, a connected pair (the *subject*, whose operations are
/// checked, and its *peer*), and three callers (mailboxes) of the subject.
enum ModelStep: Sendable, CustomStringConvertible {
    // The peer.
    case peerSend(Int)              // awaiting api.send of n bytes on the peer
    case peerRawSend(Int)           // send(2) with MSG_DONTWAIT on the peer's descriptor
    case peerShutdown               // half-close: shutdown(write)
    case peerReset                  // linger {on, 0}, then close: an RST
    case peerPause                  // stop reading what the subject sends
    case peerResume                 // read it again
    // The subject's read side.
    case recvNowait(caller: Int, length: Int)
    case recvAwait(length: Int, ms: Int)
    case peek(length: Int, ms: Int)
    case startStream
    // The subject's write side.
    case sendNowait(caller: Int, size: Int)
    case sendAwait(size: Int, ms: Int)
    case write(size: Int)
    // The listener and new connections.
    case connect(nowait: Bool)
    case acceptNowait(caller: Int)
    case acceptAwait(ms: Int)
    // Any direction.
    case deliver(caller: Int, ms: Int)  // take the caller's messages and act on them
    case cancel(caller: Int, what: Direction)
    case closeSubject
    case pause(ms: Int)

    /// Which of a caller's operations a step means.
    enum Direction: String, Sendable { case recv, send, accept }

    var description: String {
        switch self {
        case .peerSend(let n): return "peerSend(\(n))"
        case .peerRawSend(let n): return "peerRaw(\(n))"
        case .peerShutdown: return "peerShutdown"
        case .peerReset: return "peerReset"
        case .peerPause: return "peerPause"
        case .peerResume: return "peerResume"
        case .recvNowait(let c, let l): return "recvNowait(c\(c),\(l))"
        case .recvAwait(let l, let ms): return "recvAwait(\(l),\(ms)ms)"
        case .peek(let l, let ms): return "peek(\(l),\(ms)ms)"
        case .startStream: return "stream"
        case .sendNowait(let c, let n): return "sendNowait(c\(c),\(n))"
        case .sendAwait(let n, let ms): return "sendAwait(\(n),\(ms)ms)"
        case .write(let n): return "write(\(n))"
        case .connect(let nowait): return nowait ? "connectNowait" : "connectAwait"
        case .acceptNowait(let c): return "acceptNowait(c\(c))"
        case .acceptAwait(let ms): return "acceptAwait(\(ms)ms)"
        case .deliver(let c, let ms): return "deliver(c\(c),\(ms)ms)"
        case .cancel(let c, let d): return "cancel(c\(c),\(d.rawValue))"
        case .closeSubject: return "closeSubject"
        case .pause(let ms): return "pause(\(ms)ms)"
        }
    }

    static let callers = 3

    /// The steps of the run for `seed`: weighted random choices, with the rare, final-ish
    /// events (half-close, reset, close, streaming) placed at most once and late enough that
    /// most of a run exercises the queues.
    static func generate(seed: UInt64, count: Int, config: ModelConfig) -> [ModelStep] {
        var rng = SplitMix64(seed: seed)
        func pick(_ r: ClosedRange<Int>) -> Int { Int.random(in: r, using: &rng) }
        func length() -> Int { [0, 0, 0, 1, 7, 100, 1000, 5000].randomElement(using: &rng)! }
        func size() -> Int { [1, 10, 500, 3000, 20_000, 100_000].randomElement(using: &rng)! }
        func caller() -> Int { pick(0...(callers - 1)) }

        // Whether this run ends its stream early, and how; at most one of these.
        var rare: [(at: Int, step: ModelStep)] = []
        let ending = pick(0...9)
        let endAt = pick(count / 2...max(count / 2, count - 1))
        if ending < 2 {
            rare.append((endAt, .peerShutdown))
        } else if ending < 3 && config.includeReset {
            rare.append((endAt, .peerReset))
        } else if ending < 4 && config.includeClose {
            rare.append((endAt, .closeSubject))
        }
        if config.includeStreaming && pick(0...3) == 0 {
            rare.append((pick(count / 4...max(count / 4, count - 1)), .startStream))
        }

        var steps: [ModelStep] = []
        steps.reserveCapacity(count + rare.count)
        for i in 0..<count {
            for r in rare where r.at == i { steps.append(r.step) }
            switch pick(0...99) {
            case 0..<12: steps.append(.peerSend(size()))
            case 12..<17: steps.append(.peerRawSend(pick(1...4000)))
            case 17..<31: steps.append(.recvNowait(caller: caller(), length: length()))
            case 31..<38: steps.append(.recvAwait(length: length(), ms: pick(1...5)))
            case 38..<41: steps.append(config.includePeek ? .peek(length: [0, 1, 10].randomElement(using: &rng)!, ms: pick(1...5))
                                                        : .pause(ms: 1))
            case 41..<58: steps.append(.deliver(caller: caller(), ms: pick(0...20)))
            case 58..<66: steps.append(.cancel(caller: caller(), what: [.recv, .recv, .send, .accept].randomElement(using: &rng)!))
            case 66..<72: steps.append(.sendNowait(caller: caller(), size: size()))
            case 72..<76: steps.append(.sendAwait(size: size(), ms: pick(1...10)))
            case 76..<80: steps.append(.write(size: size()))
            case 80..<83: steps.append(.peerPause)
            case 83..<87: steps.append(.peerResume)
            case 87..<90: steps.append(.connect(nowait: Bool.random(using: &rng)))
            case 90..<94: steps.append(.acceptNowait(caller: caller()))
            case 94..<96: steps.append(.acceptAwait(ms: pick(1...10)))
            default: steps.append(.pause(ms: pick(0...3)))
            }
        }
        return steps
    }
}
