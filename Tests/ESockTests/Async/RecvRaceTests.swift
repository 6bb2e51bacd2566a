import Synchronization
import Testing
@testable import ESock

/// A sender streams numbered bytes while the receiving side does everything that can race
/// the data: nowait recv and recvmsg cancelled at once or after the message came, calls
/// again after `select`, awaiting recvs with tiny timeouts, tasks cancelled mid-call, and
/// connection pairs closed and reopened. Every byte sent must be received exactly once, in
/// order, by someone (results, messages, partial data of timeouts and cancellations). On
/// uring this drives the stash of late-cancelled results.
@Suite struct RecvRaceTests {
    static let maxRounds = 3000
    /// Sanitizer builds (Scripts/sanitize.sh sets ESOCK_SANITIZER) run many times slower and
    /// get more time to reach the same rounds.
    static let maxTime: Duration = TestBackends.environment("ESOCK_SANITIZER") == nil ? .seconds(6) : .seconds(30)

    @Test(arguments: TestBackends.all)
    func everyByteOnceInOrder(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let seed = UInt64.random(in: 1...UInt64.max)
        let stats = try await withinLimit(Self.maxTime + .seconds(20)) {
            try await Self.run(api, backend, seed: seed)
        }
        guard let stats else { return }
        print("RecvRaceTests \(backend) seed \(seed): \(stats)")
        #expect(stats.rounds >= 200, "too few rounds to mean anything (seed \(seed))")
        #expect(stats.pairs >= 2, "seed \(seed)")
        #expect(stats.cancelledPending > 0 && stats.cancelledAfterMessage > 0, "paths not reached (seed \(seed))")
    }

    struct Stats: CustomStringConvertible {
        var rounds = 0, pairs = 0, bytes = 0
        var atOnce = 0, pending = 0, cancelledPending = 0, cancelledAfterMessage = 0, calledAgain = 0
        var timeouts = 0, taskCancels = 0, closedWhilePending = 0
        var description: String {
            "\(rounds) rounds, \(pairs) pairs, \(bytes) bytes; nowait: \(atOnce) at once, \(pending) pending, "
                + "\(cancelledPending) cancelled pending, \(cancelledAfterMessage) cancelled after the message, "
                + "\(calledAgain) called again; \(timeouts) timeouts, \(taskCancels) task cancels, "
                + "\(closedWhilePending) closes while pending"
        }
    }

    static func run(_ api: any SocketAPI, _ backend: Backend, seed: UInt64) async throws -> Stats {
        var rng = SplitMix64(seed: seed)
        var stats = Stats()
        let end = ContinuousClock.now.advanced(by: maxTime)
        var base = 0
        while stats.rounds < maxRounds && ContinuousClock.now < end {
            let p = try await StreamPair.make(api)
            defer { p.close() }
            let budget = Int.random(in: 10_000...60_000, using: &rng)
            // Half the pairs end with the peer's shutdown (the receiver reads to the end of the
            // stream), half with a local close while a nowait recv waits.
            let endWithEOF = Bool.random(using: &rng)
            let sender = Sender(api: api, socket: p.client, base: base, budget: budget, seed: rng.next(), shutdown: endWithEOF)
            let sending = Task { try await sender.run() }
            var r = Receiver(api: api, socket: p.server, rng: SplitMix64(seed: rng.next()))
            while !r.eof {
                let target = sender.total.load(ordering: .acquiring)
                if target >= 0 && !endWithEOF && r.got.count >= target { break }
                if r.got.count > budget { break }
                try await r.round(&stats)
                stats.rounds += 1
                if ContinuousClock.now > end.advanced(by: .seconds(10)) { break }
            }
            try await sending.value
            let sent = sender.total.load(ordering: .acquiring)
            #expect(r.got.count == sent, "pair \(stats.pairs): sent \(sent), received \(r.got.count)")
            let expected = patternBytes(base, sent)
            if r.got != expected {
                let i = zip(r.got, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(r.got.count, expected.count)
                let around = r.log.filter { $0.end > i - 4000 && $0.start < i + 4000 }
                Issue.record("pair \(stats.pairs) (\(endWithEOF ? "eof" : "close")): streams differ from byte \(i) (received \(r.got.count) of \(sent)); seed \(seed); steps: \(around.map { "\($0)" }.joined(separator: " | "))")
            }
            if !endWithEOF {
                // Nothing is left; a nowait recv waits and the socket closes under it.
                let mb = Mailbox()
                let info = try #require(expectPending(try api.recv(p.server, length: 0, nowait: mb), api.backend, .recv))
                try api.close(p.server)
                let m = await message(mb, p.server, info.handle)
                switch m {
                case .select:
                    // poll: an edge seen before an earlier direct read took the bytes can
                    // still select this caller. A selected caller gets no abort (as in OTP);
                    // its next call reports the close.
                    #expect(backend == .poll, "only poll selects")
                    #expect(throws: SocketError.closed) { _ = try api.recv(p.server, length: 0, nowait: mb) }
                default:
                    #expect(m?.abortReason == .closed)
                }
                stats.closedWhilePending += 1
                r.mailboxes.append(mb)
            }
            // No message of any cancelled operation came, then or later.
            for mb in r.mailboxes where mb.count > 0 {
                Issue.record("a message arrived after its operation was cancelled: \(mb.tryReceive().map { "\($0)" } ?? "")")
            }
            base += sent
            stats.bytes += sent
            stats.pairs += 1
        }
        return stats
    }

    /// Streams `budget` pattern bytes starting at `base` in random chunks with random pauses.
    final class Sender: Sendable {
        let api: any SocketAPI
        let socket: Socket
        let base: Int, budget: Int, seed: UInt64, shutdown: Bool
        /// -1 while sending; then the number of bytes sent.
        let total = Atomic<Int>(-1)

        init(api: any SocketAPI, socket: Socket, base: Int, budget: Int, seed: UInt64, shutdown: Bool) {
            self.api = api
            self.socket = socket
            self.base = base
            self.budget = budget
            self.seed = seed
            self.shutdown = shutdown
        }

        func run() async throws {
            var rng = SplitMix64(seed: seed)
            var sent = 0
            while sent < budget {
                let n = min(budget - sent, Int.random(in: 1...3000, using: &rng))
                try await api.send(socket, patternBytes(base + sent, n), timeout: .seconds(10))
                sent += n
                if Int.random(in: 0..<3, using: &rng) == 0 {
                    try? await Task.sleep(for: .microseconds(Int.random(in: 50...1500, using: &rng)))
                }
            }
            if shutdown { try api.shutdown(socket, .write) }
            total.store(sent, ordering: .releasing)
        }
    }

    /// The receiving side: one round is one way of receiving, chosen at random.
    struct Receiver {
        let api: any SocketAPI
        let socket: Socket
        var rng: SplitMix64
        var got: [UInt8] = []
        var eof = false
        /// Mailboxes whose operations were cancelled (must stay empty).
        var mailboxes: [Mailbox] = []
        /// What each step appended, to explain a failure.
        var log: [Step] = []
        var step = ""

        struct Step: CustomStringConvertible {
            let what: String
            let start: Int, end: Int
            var description: String { "\(what) [\(start)..<\(end)]" }
        }

        /// Appends received bytes, noting which step got them.
        mutating func take(_ d: [UInt8], _ how: String) {
            log.append(Step(what: step + ":" + how, start: got.count, end: got.count + d.count))
            got += d
        }

        init(api: any SocketAPI, socket: Socket, rng: SplitMix64) {
            self.api = api
            self.socket = socket
            self.rng = rng
        }

        mutating func randomLength() -> Int { [0, 0, 1, 7, 100, 3000].randomElement(using: &rng)! }

        mutating func round(_ stats: inout Stats) async throws {
            switch Int.random(in: 0..<10, using: &rng) {
            case 0..<5: try await nowait(&stats, message: Bool.random(using: &rng))
            case 5..<8:
                do {
                    step = "await"
                    take(try await api.recv(socket, length: randomLength(), timeout: .milliseconds(Int.random(in: 1...3, using: &rng))), "result")
                } catch {
                    try absorb(error)
                    if error.reason == .timeout { stats.timeouts += 1 }
                }
            default:
                let len = randomLength()
                step = "task"
                let t = Task { [api, socket] in try await api.recv(socket, length: len, timeout: .seconds(5)) }
                for _ in 0..<Int.random(in: 0..<6, using: &rng) { await Task.yield() }
                t.cancel()
                switch await t.result {
                case .success(let d): take(d, "result")
                case .failure(let e as SocketError): try absorb(e)
                case .failure(let e): Issue.record("\(e)")
                }
                stats.taskCancels += 1
            }
        }

        /// A nowait recv or recvmsg; if pending: cancel at once, or wait for the message and
        /// then call again / take the completion / cancel with the message unread.
        mutating func nowait(_ stats: inout Stats, message waitForMessage: Bool) async throws {
            let mb = Mailbox()
            let useMsg = Int.random(in: 0..<4, using: &rng) == 0
            let len = randomLength()
            step = "nowait\(useMsg ? "msg" : "")(\(len))"
            let info: PendingInfo
            do {
                guard let i = try start(mb, len, useMsg) else { stats.atOnce += 1; return }
                info = i
            } catch {
                try absorb(error)
                return
            }
            stats.pending += 1
            if !waitForMessage {
                step += " cancel"
                try api.cancel(socket, info, caller: mb)
                stats.cancelledPending += 1
                mailboxes.append(mb)
                return
            }
            // Wait (briefly) for the message to be in the mailbox, without taking it.
            let arrived = await eventually(.milliseconds(Int.random(in: 1...20, using: &rng))) { mb.count > 0 }
            if !arrived || Int.random(in: 0..<3, using: &rng) == 0 {
                step += arrived ? " cancel-after-msg" : " cancel-late"
                try api.cancel(socket, info, caller: mb)
                if arrived { stats.cancelledAfterMessage += 1 } else { stats.cancelledPending += 1 }
                #expect(mb.count == 0, "cancel left the message in the mailbox")
                mailboxes.append(mb)
                return
            }
            let m = try #require(mb.tryReceive())
            #expect(m.handle == info.handle && m.socket === socket)
            switch m {
            case .select:
                step += " again"
                stats.calledAgain += 1
                do {
                    if let again = try start(mb, len, useMsg) {
                        try api.cancel(socket, again, caller: mb)
                        mailboxes.append(mb)
                    }
                } catch {
                    try absorb(error)
                }
            case .completion(_, _, let status):
                switch status {
                case .data(let d), .more(let d): take(d, "completion")
                case .message(let msg): take(msg.data, "completion msg")
                case .error(let e): try absorb(e)
                default: Issue.record("unexpected completion \(status)")
                }
            case .abort(_, _, let reason), .down(_, _, let reason):
                Issue.record("\(m): \(reason)")
            }
        }

        /// Starts a nowait receive; appends what it returns at once; the pending info or nil.
        mutating func start(_ mb: Mailbox, _ len: Int, _ useMsg: Bool) throws(SocketError) -> PendingInfo? {
            if useMsg {
                let r = try api.recvmsg(socket, bufferSizes: [len], nowait: mb)
                switch r {
                case .ok(let m): take(m.data, "ok msg")
                case .select(_, let p), .completion(_, let p): take(p?.data ?? [], "partial msg")
                }
                return r.pending
            }
            let r = try api.recv(socket, length: len, nowait: mb)
            switch r {
            case .ok(let d): take(d, "ok")
            case .select(_, let p), .completion(_, let p): take(p ?? [], "partial")
            }
            return r.pending
        }

        /// Takes the partial data of a failed call; the end of the stream ends the pair.
        mutating func absorb(_ error: SocketError) throws {
            take(error.partialData, "error \(error.reason)")
            switch error.reason {
            case .closed: eof = true
            case .timeout, .cancelled: break
            default: throw error
            }
        }
    }
}

/// A small seeded generator, so a failing run can be repeated from its printed seed.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
