import ESock
import Synchronization

/// Drives one load connection on ESock's streaming path: the loop thread lends each echoed
/// chunk to ``received(_:on:)``, which checks every byte against the pattern, records the
/// latencies of the requests it completes and writes the next requests, all in the same
/// call. No task, no awaiting call and no allocation per request: the same shape as the
/// streaming echo server, so the load generator costs about what the server does.
///
/// Concurrency: the mutable state below is touched only by ``start()`` (before the stream
/// starts), by `received` and `ended` (on the socket's loop thread, never overlapping), and
/// by ``tally`` once ``finish(_:)`` has run (the ``Countdown`` orders that). What other
/// threads look at while the run goes on, the watchdog's clock and the finished flag, is
/// atomic.
final class LoadStream: StreamHandler, @unchecked Sendable {
    let api: any SocketAPI
    let socket: Socket
    /// The connection's number, also its pattern seed.
    let index: Int
    let plan: LoadPlan
    let live: LiveCounters
    private let countdown: Countdown

    /// Nanoseconds after ``base`` at which bytes last arrived (or the connection started).
    private let lastProgress = Atomic<Int64>(0)
    private let finished = Atomic<Bool>(false)
    /// Set once ``finish(_:)`` has written its last byte of state.
    private let settled = Atomic<Bool>(false)
    /// Set by the watchdog before it closes a connection that went quiet.
    private let timedOut = Atomic<Bool>(false)
    private let base: ContinuousClock.Instant

    private var measured = Tally()
    /// Echoed bytes received and checked so far: the stream offset of the next one.
    private var received = 0
    /// Requests (pingpong) or chunks (bulk) written so far.
    private var issued = 0
    /// Requests or chunks whose echo is complete.
    private var completed = 0
    /// When each request in flight was written, by request number modulo the window: a
    /// request's slot is reused only after its echo is complete.
    private var sentAt: [ContinuousClock.Instant]

    init(api: any SocketAPI, socket: Socket, index: Int, plan: LoadPlan, live: LiveCounters,
         countdown: Countdown, base: ContinuousClock.Instant) {
        self.api = api
        self.socket = socket
        self.index = index
        self.plan = plan
        self.live = live
        self.countdown = countdown
        self.base = base
        sentAt = Array(repeating: base, count: plan.pipeline)
    }

    /// The requests in flight at once: the batch (pingpong) or the window (bulk).
    private var window: Int { plan.pipeline }

    /// Writes the first requests and starts the stream. A failure finishes the connection.
    func start() {
        touch(.now)
        // Written before the stream starts: every later write comes from `received`, on the
        // loop thread, and `stream` hands the state set up here over to that thread. The
        // echo waits in the kernel until then.
        if let failure = send(requests: window) { return finish(failure) }
        do throws(SocketError) {
            try api.stream(socket, to: self)
        } catch {
            finish("recv: " + Describe.kind(error))
        }
    }

    /// Checks and counts the echoed bytes, and writes what they make room for.
    func received(_ bytes: UnsafeRawBufferPointer, on socket: Socket) {
        guard !finished.load(ordering: .relaxed) else { return }
        let now = ContinuousClock.now
        touch(now)
        guard received + bytes.count <= issued * plan.size else {
            return finish("more bytes echoed than sent")
        }
        guard plan.pattern.matches(bytes, offset: received, seed: index) else {
            return finish("echoed bytes differ from those sent")
        }
        received += bytes.count
        measured.bytesVerified += bytes.count
        var room = 0
        while (completed + 1) * plan.size <= received {
            measured.record(sentAt[completed % window].duration(to: now), at: now, plan: plan, live: live)
            completed += 1
            room += 1
        }
        guard room > 0 else { return }
        let more = now < plan.end
        switch plan.mode {
        case .bulk:
            // Each completed chunk frees a place in the window for the next one.
            if more, let failure = send(requests: room, at: now) { return finish(failure) }
        case .pingpong:
            // The next batch goes out only once the whole batch is back.
            guard completed == issued else { return }
            if more, let failure = send(requests: window, at: now) { return finish(failure) }
        }
        if !more && completed == issued { finish(nil) }
    }

    /// The stream ended: before the run's end that is the peer closing or an error.
    func ended(_ socket: Socket, reason: SocketError) {
        if timedOut.load(ordering: .relaxed) {
            finish("recv: " + Describe.kind(.timeout))
        } else {
            finish("recv: " + Describe.kind(reason))
        }
    }

    /// Writes the next `count` requests (one write: the batch or the chunks freed together).
    private func send(requests count: Int, at now: ContinuousClock.Instant = .now) -> String? {
        for k in issued..<(issued + count) { sentAt[k % window] = now }
        let offset = issued * plan.size
        issued += count
        do throws(SocketError) {
            try plan.pattern.withBytes(offset: offset, seed: index, count: count * plan.size) { b throws(SocketError) in
                try api.write(socket, b)
            }
            return nil
        } catch {
            return "send: " + Describe.kind(error)
        }
    }

    /// Records that bytes arrived at `now`, for the watchdog.
    private func touch(_ now: ContinuousClock.Instant) {
        lastProgress.store(Self.nanoseconds(base.duration(to: now)), ordering: .relaxed)
    }

    /// Ends this connection's part of the run once: nil when it finished its schedule, else
    /// why it stopped. A failed connection is closed so its stream stops.
    private func finish(_ failure: String?) {
        guard !finished.exchange(true, ordering: .acquiringAndReleasing) else { return }
        if let failure {
            measured.error = failure
            live.errors.add(1, ordering: .relaxed)
            try? api.close(socket)
        }
        measured.flush(into: live)
        settled.store(true, ordering: .releasing)
        countdown.done()
    }

    /// Whether the connection is still running and has had no bytes for longer than the
    /// plan's I/O timeout at `now`. Called by the watchdog from any thread.
    func isStalled(at now: ContinuousClock.Instant) -> Bool {
        guard !finished.load(ordering: .relaxed), !timedOut.load(ordering: .relaxed) else { return false }
        let quiet = Self.nanoseconds(base.duration(to: now)) - lastProgress.load(ordering: .relaxed)
        return quiet > Self.nanoseconds(plan.ioTimeout)
    }

    /// Stops a stalled connection: closing it ends the stream, and `ended` reports a timeout.
    func abandon() {
        timedOut.store(true, ordering: .relaxed)
        try? api.close(socket)
    }

    /// What the connection measured, once it has finished; nil while it runs.
    var tally: Tally? { settled.load(ordering: .acquiring) ? measured : nil }

    private static func nanoseconds(_ d: Duration) -> Int64 {
        let c = d.components
        return c.seconds * 1_000_000_000 + c.attoseconds / 1_000_000_000
    }
}
