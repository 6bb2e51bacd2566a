import Glibc
@testable import ESock

/// One seed's run of the model: a small world of sockets, the steps the seed generated, and
/// what the model expects of every result. Not thread-safe: one task drives it; only the
/// peer reader, the stream handler and the trace are shared.
final class ModelRun {
    let api: any SocketAPI
    let backend: Backend
    let seed: UInt64
    let config: ModelConfig
    /// Shared with the watchdog, so a run that hangs can still be explained.
    let trace: ModelTrace
    var violations: [String] = []
    var operations = 0
    var bytesChecked = 0
    /// Runs whose received bytes matched only out of order (uring's late-cancel case).
    var reordered = 0
    /// Whether the subject received to the end of the stream (nothing cut it short).
    var receiveComplete = false

    // The world.
    let listener: Socket
    let address: SocketAddress
    let peer: Socket
    let subject: Socket
    let mailboxes = (0..<ModelStep.callers).map { _ in Mailbox() }
    let connectBox = Mailbox()
    let reader: ModelPeerReader
    var readerTask: Task<Void, Never>?
    var collector: ModelCollector?
    var clients: [Socket] = []
    var accepted: [Socket] = []
    var connecting: [Handle: Socket] = [:]
    /// `socket:[inode]` of every socket the run opened, to find leaked descriptors.
    var socketNames: [String] = []

    // What the subject received and what its peer sent.
    var nextKey = 0
    var chunks: [ReceivedChunk] = []
    var peeks: [(key: Int, bytes: [UInt8])] = []
    let peerBase: Int
    var peerSent = 0
    var peerHalfClosed = false
    var peerReset = false
    var subjectClosed = false
    /// The subject was closed by a step, possibly with bytes unread: the kernel then resets
    /// the connection, and what `write` had queued may never reach the peer.
    var subjectClosedEarly = false
    /// A receive saw the end of the stream.
    var eof = false
    /// uring: a receive was cancelled or timed out, so stashed bytes may reach a later
    /// caller out of stream order (the README's documented exception).
    var lateCancelPossible = false
    /// uring: a receive was cancelled, so the stash may hold bytes.
    var tookBack = false
    var streamKey: Int?

    // What the subject sent.
    var calls: [SentCall] = []
    var nextSendOffset: Int
    var usedSend = false
    var usedWrite = false

    // Operations in flight, per caller and direction; handles that ended.
    var pending: [[ModelStep.Direction: PendingOp]] = Array(repeating: [:], count: ModelStep.callers)
    var ended = Set<Handle>()

    /// A `nowait` operation the model waits to hear about.
    struct PendingOp {
        enum Kind {
            /// `left`: the length still asked for (0: whatever is there).
            case recv(left: Int)
            /// `call`: index in `calls`; `rest`: what poll must send when called again.
            case send(call: Int, rest: [UInt8], written: Int)
            case accept
        }
        var kind: Kind
        var info: PendingInfo
        let key: Int
        var parts = 1
        var handle: Handle { info.handle }
    }

    init(api: any SocketAPI, seed: UInt64, config: ModelConfig, trace: ModelTrace) async throws {
        self.api = api
        self.backend = api.backend
        self.seed = seed
        self.config = config
        self.trace = trace
        var rng = SplitMix64(seed: seed ^ 0xBA5E)
        peerBase = Int.random(in: 0..<65521, using: &rng)
        nextSendOffset = Int.random(in: 0..<65521, using: &rng)
        let pair = try await StreamPair.make(api)
        listener = pair.listener
        peer = pair.client
        subject = pair.server
        address = try api.sockname(listener)
        // Small buffers, so sends fill them and have to wait within a few steps.
        try shrinkBuffers(api, sender: subject, receiver: peer)
        reader = ModelPeerReader(api: api, socket: peer)
        for s in [listener, peer, subject] { remember(s) }
        let r = reader
        readerTask = Task { await r.run() }
    }

    func remember(_ s: Socket) {
        if let n = ModelChecks.socketName(s.fileDescriptor) { socketNames.append(n) }
    }

    func note(_ s: String) { trace.append(s) }

    func violation(_ s: String) {
        violations.append(s)
        note("VIOLATION: \(s)")
    }

    func key() -> Int {
        nextKey += 1
        return nextKey
    }

    /// Runs every step, then the finale that drains, closes and checks.
    func run(_ steps: [ModelStep]) async {
        for (i, step) in steps.enumerated() {
            note("\(i):\(step)")
            await perform(step)
        }
        note("finale")
        await finale()
    }

    func perform(_ step: ModelStep) async {
        switch step {
        case .peerSend(let n): await peerSend(n)
        case .peerRawSend(let n): peerRawSend(n)
        case .peerShutdown: peerShutdown()
        case .peerReset: resetPeer()
        case .peerPause: reader.pause(true); operations += 1
        case .peerResume: reader.pause(false); operations += 1
        case .recvNowait(let c, let l): recvNowait(c, l)
        case .recvAwait(let l, let ms): await recvAwait(l, ms, peek: false)
        case .peek(let l, let ms): await recvAwait(l, ms, peek: true)
        case .startStream: await startStream()
        case .sendNowait(let c, let n): sendNowait(c, n)
        case .sendAwait(let n, let ms): await sendAwait(n, ms)
        case .write(let n): write(n)
        case .connect(let nowait): await connect(nowait: nowait)
        case .acceptNowait(let c): acceptNowait(c)
        case .acceptAwait(let ms): await acceptAwait(ms)
        case .deliver(let c, let ms): await deliver(c, within: ms)
        case .cancel(let c, let d): cancel(c, d)
        case .closeSubject: closeSubject()
        case .pause(let ms): try? await Task.sleep(for: .milliseconds(ms))
        }
    }

    /// The pending info must have the shape of this backend's model.
    func checkShape(_ info: PendingInfo, _ what: String) {
        switch (backend, info) {
        case (.poll, .select), (.uring, .completion): break
        default: violation("\(what): \(info) is the wrong kind of pending info for \(backend)")
        }
    }

    // MARK: messages

    /// Takes `caller`'s messages: waits up to `ms` for the first, then takes what is there.
    func deliver(_ caller: Int, within ms: Int) async {
        operations += 1
        takeConnectMessages()
        let mb = mailboxes[caller]
        guard let first = await mb.receive(timeout: .milliseconds(ms)) else { return }
        handle(first, caller)
        while let m = mb.tryReceive() { handle(m, caller) }
    }

    func handle(_ m: SocketMessage, _ caller: Int) {
        guard let (d, op) = pending[caller].first(where: { $0.value.handle == m.handle }) else {
            if ended.contains(m.handle) {
                violation("c\(caller): \(m) arrived after its operation ended")
            } else {
                violation("c\(caller): \(m) is about no operation of this caller")
            }
            return
        }
        note("  c\(caller) got \(m)")
        let expected = d == .accept ? listener : subject
        if m.socket !== expected { violation("\(m) names the wrong socket") }
        pending[caller][d] = nil
        ended.insert(op.handle)
        switch m {
        case .abort(_, _, let reason):
            let closed = d == .accept ? listener.isClosed : subjectClosed
            if !closed || reason != .closed { violation("c\(caller): \(m) while the socket is open") }
            if case .send(let i, _, let written) = op.kind { cutShort(i, written: written, inKernel: backend == .uring) }
        case .select:
            if backend != .poll { violation("select on \(backend)") }
            callAgain(caller, d, op)
        case .completion(_, _, let status):
            if backend != .uring { violation("completion on \(backend)") }
            completed(caller, d, op, status)
        case .down:
            violation("c\(caller): \(m) with no monitor set")
        }
    }

    /// uring: the message carries the result.
    func completed(_ caller: Int, _ d: ModelStep.Direction, _ op: PendingOp, _ status: CompletionStatus) {
        switch (op.kind, status) {
        case (.recv, .data(let b)), (.recv, .more(let b)):
            chunks.append(ReceivedChunk(key: op.key, part: op.parts, bytes: b, how: "c\(caller) completion"))
        case (.recv, .error(let e)):
            receiveFailed(e, key: op.key, part: op.parts, how: "c\(caller) completion")
        case (.send(let i, _, let written), .sent(let n)):
            if written + n != calls[i].count {
                violation("c\(caller): send of \(calls[i].count) completed with \(written) + \(n) bytes")
            }
            calls[i].lo = written + n
            calls[i].hi = written + n
        case (.send(let i, _, let written), .error(let e)):
            sendFailed(e, i, written: written)
        case (.accept, .accepted(let s)):
            accepted.append(s)
            remember(s)
        case (.accept, .error(let e)):
            if !(e == .closed && listener.isClosed) { violation("c\(caller): accept failed: \(e)") }
        default:
            violation("c\(caller): \(status) does not answer a \(d) operation")
        }
    }

    /// poll: "ready, call again". The call must give data, select again, or the stream's end.
    func callAgain(_ caller: Int, _ d: ModelStep.Direction, _ op: PendingOp) {
        let mb = mailboxes[caller]
        do {
            switch op.kind {
            case .recv(let left):
                let k = key()
                let r = try api.recv(subject, length: left, nowait: mb)
                switch r {
                case .ok(let b): chunks.append(ReceivedChunk(key: k, part: 0, bytes: b, how: "c\(caller) again"))
                case .select(_, let p), .completion(_, let p):
                    let got = p ?? []
                    chunks.append(ReceivedChunk(key: k, part: 0, bytes: got, how: "c\(caller) again partial"))
                    checkShape(r.pending!, "recv again")
                    pending[caller][.recv] = PendingOp(kind: .recv(left: left == 0 ? 0 : left - got.count),
                                                       info: r.pending!, key: k)
                }
            case .send(let i, let rest, let written):
                let r = try api.send(subject, rest, nowait: mb)
                switch r {
                case .ok(let n):
                    if written + n != calls[i].count { violation("send again wrote \(written)+\(n) of \(calls[i].count)") }
                    calls[i].lo = written + n
                    calls[i].hi = written + n
                default:
                    let n = partialOf(r) ?? 0
                    checkShape(r.pending!, "send again")
                    pending[caller][.send] = PendingOp(kind: .send(call: i, rest: Array(rest.dropFirst(n)), written: written + n),
                                                       info: r.pending!, key: op.key)
                }
            case .accept:
                let r = try api.accept(listener, nowait: mb)
                switch r {
                case .ok(let s):
                    accepted.append(s)
                    remember(s)
                default:
                    checkShape(r.pending!, "accept again")
                    pending[caller][.accept] = PendingOp(kind: .accept, info: r.pending!, key: op.key)
                }
            }
        } catch {
            switch op.kind {
            case .recv: receiveFailed(error, key: key(), part: 0, how: "c\(caller) again")
            case .send(let i, let rest, let written):
                _ = rest
                sendFailed(error, i, written: written)
            case .accept: violation("c\(caller): accept called again after select: \(error)")
            }
        }
    }

    /// A receive failed: keep its partial data; the end of the stream and errors after a
    /// reset are expected, anything else is not.
    func receiveFailed(_ e: SocketError, key k: Int, part: Int, how: String) {
        if !e.partialData.isEmpty { chunks.append(ReceivedChunk(key: k, part: part, bytes: e.partialData, how: how + " \(e.reason)")) }
        switch e.reason {
        case .closed:
            if subjectClosed { return }
            if !peerHalfClosed && !peerReset { violation("\(how): closed, but the peer neither closed nor reset") }
            eof = true
        case .timeout, .cancelled:
            if backend == .uring { lateCancelPossible = true }
        case .errno where peerReset:
            break
        default:
            violation("\(how): \(e)")
        }
    }
}

/// The steps of a run and what they did, shared with the watchdog that reports a hang.
final class ModelTrace: Sendable {
    private let lines = Lock<[String]>([])
    func append(_ s: String) { lines.withLock { $0.append(s) } }
    var all: [String] { lines.withLock { $0 } }
}
