import Synchronization
@testable import ESock

/// Reads everything the subject sends, on the peer socket, in a task of its own; can be
/// paused so that the subject's sends fill the kernel buffers and have to wait.
final class ModelPeerReader: Sendable {
    let api: any SocketAPI
    let socket: Socket
    private let state = Lock(State())
    private let paused = Atomic<Bool>(false)
    private let stopped = Atomic<Bool>(false)

    struct State {
        var bytes: [UInt8] = []
        /// Why reading ended (`closed` is the end of the stream), nil while it goes on.
        var end: SocketError?
    }

    init(api: any SocketAPI, socket: Socket) {
        self.api = api
        self.socket = socket
    }

    var snapshot: State { state.withLock { $0 } }
    func pause(_ on: Bool) { paused.store(on, ordering: .relaxed) }
    func stop() { stopped.store(true, ordering: .relaxed) }

    func run() async {
        while !stopped.load(ordering: .relaxed) {
            if paused.load(ordering: .relaxed) {
                try? await Task.sleep(for: .milliseconds(1))
                continue
            }
            do {
                let d = try await api.recv(socket, length: 0, timeout: .milliseconds(50))
                state.withLock { $0.bytes += d }
            } catch {
                state.withLock { $0.bytes += error.partialData }
                if error.reason == .timeout { continue }
                state.withLock { $0.end = error.reason }
                return
            }
        }
    }
}

/// A ``StreamHandler`` that keeps what it is lent and checks the handler contract: calls for
/// one socket never overlap, `ended` comes once, and no `received` follows it.
final class ModelCollector: StreamHandler {
    private let state = Lock(State())
    private let inCall = Atomic<Int>(0)

    struct State {
        var bytes: [UInt8] = []
        var chunks = 0
        var end: SocketError?
        var endings = 0
        var receivedAfterEnd = 0
        var overlapping = 0
    }

    var snapshot: State { state.withLock { $0 } }

    func received(_ bytes: UnsafeRawBufferPointer, on socket: Socket) {
        let overlap = inCall.add(1, ordering: .acquiringAndReleasing).oldValue != 0
        defer { inCall.subtract(1, ordering: .acquiringAndReleasing) }
        state.withLock { s in
            if overlap { s.overlapping += 1 }
            if s.endings > 0 { s.receivedAfterEnd += 1 }
            s.bytes.append(contentsOf: bytes)
            s.chunks += 1
        }
    }

    func ended(_ socket: Socket, reason: SocketError) {
        let overlap = inCall.add(1, ordering: .acquiringAndReleasing).oldValue != 0
        defer { inCall.subtract(1, ordering: .acquiringAndReleasing) }
        state.withLock { s in
            if overlap { s.overlapping += 1 }
            s.endings += 1
            if s.end == nil { s.end = reason }
        }
    }
}
