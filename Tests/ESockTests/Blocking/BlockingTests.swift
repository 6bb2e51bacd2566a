import Testing
@testable import ESock
#if canImport(Glibc)
import Glibc
#endif

/// The conformance suite for the awaiting (blocking) form of every call: each test is
/// parameterized over both backends and makes the same assertions on poll and on uring.
///
/// Every awaiting call in these tests has a finite timeout, so a bug fails a test instead of
/// hanging the run; the time limit is a last resort.
@Suite("Blocking calls", .timeLimit(.minutes(1)))
struct BlockingTests {}

/// Helpers shared by the blocking-call tests.
enum BlockingFixtures {
    /// The timeout for calls that are expected to succeed: long enough never to fire on a
    /// loaded machine, short enough that a bug does not stall the run.
    static let patience: Timeout = .seconds(5)

    /// `count` bytes that differ from position to position (and with `seed`), so that a
    /// reordered, lost or repeated chunk shows up in a comparison: a block of a prime length
    /// (no chunk size a socket uses divides it), repeated; copied, not computed, per byte, so
    /// that megabytes are cheap even in a debug build.
    static func pattern(_ count: Int, seed: UInt8 = 0) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        var offset = Int(seed) &* 4099 % patternBlock.count
        while out.count < count {
            let n = min(count - out.count, patternBlock.count - offset)
            out.append(contentsOf: patternBlock[offset..<(offset + n)])
            offset = 0
        }
        return out
    }

    /// 65521 (a prime) bytes with no short period.
    private static let patternBlock: [UInt8] = {
        var x: UInt32 = 0x9E37_79B9
        return (0..<65521).map { _ in
            x ^= x << 13; x ^= x >> 17; x ^= x << 5
            return UInt8(truncatingIfNeeded: x >> 11)
        }
    }()

    /// Runs `body` and returns its result together with how long it took.
    static func timed<T>(_ body: () async throws(SocketError) -> T) async -> (result: Result<T, SocketError>, elapsed: Duration) {
        let start = ContinuousClock.now
        let r: Result<T, SocketError>
        do { r = .success(try await body()) } catch { r = .failure(error) }
        return (r, start.duration(to: .now))
    }

    /// The error of a call expected to fail, or nil (with an issue recorded) if it succeeded.
    static func failure<T>(_ result: Result<T, SocketError>, sourceLocation: SourceLocation = #_sourceLocation) -> SocketError? {
        switch result {
        case .success(let v):
            Issue.record("expected an error, got \(v)", sourceLocation: sourceLocation)
            return nil
        case .failure(let e):
            return e
        }
    }

    /// Checks that a timed call ran for at least `timeout` and did not hang: `slack` is a hang
    /// detector, not a timing assertion (the suite runs in parallel on shared machines).
    static func expectAbout(_ elapsed: Duration, _ timeout: Duration, slack: Duration = .seconds(10),
                            sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(elapsed >= timeout - .milliseconds(20), "returned after \(elapsed), timeout \(timeout)",
                sourceLocation: sourceLocation)
        #expect(elapsed < timeout + slack, "returned after \(elapsed), timeout \(timeout)",
                sourceLocation: sourceLocation)
    }

    /// Checks that a call returned without waiting for anything (no timeout of its own ran):
    /// within the same slack as ``expectAbout(_:_:slack:sourceLocation:)``.
    static func expectPrompt(_ elapsed: Duration, slack: Duration = .seconds(10),
                             sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(elapsed < slack, "returned after \(elapsed)", sourceLocation: sourceLocation)
    }

    /// A fresh Unix socket path in /tmp (not created).
    static func unixPath() -> String {
        "/tmp/esock-blocking-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).sock"
    }

    /// A connected stream pair whose listener is bound to `address` (default: loopback of
    /// `domain`, any port). Cancels the test where IPv6 loopback is unavailable.
    static func pair(_ api: any SocketAPI, _ domain: Domain, at address: SocketAddress? = nil,
                     backlog: Int = 16) async throws -> StreamPair {
        let proto: SocketProtocol = domain == .local ? .default : .tcp
        let l = try api.open(domain, .stream, proto)
        do {
            if let address {
                try api.bind(l, address)
            } else {
                try api.bind(l, .loopback)
            }
        } catch {
            try? api.close(l)
            if domain == .inet6 { try Test.cancel("IPv6 loopback (::1) unavailable: \(error)") }
            throw error
        }
        try api.listen(l, backlog: backlog)
        let addr = try api.sockname(l)
        let c = try api.open(domain, .stream, proto)
        async let accepted = api.accept(l, timeout: patience)
        try await api.connect(c, addr, timeout: patience)
        return StreamPair(api: api, listener: l, client: c, server: try await accepted)
    }

    /// Two UDP sockets bound to loopback ports of `domain`. Cancels the test where IPv6
    /// loopback is unavailable.
    static func udpPair(_ api: any SocketAPI, _ domain: Domain) throws -> (Socket, Socket) {
        let a = try api.open(domain, .dgram, domain == .local ? .default : .udp)
        let b = try api.open(domain, .dgram, domain == .local ? .default : .udp)
        do {
            try bindForTest(api, a, domain)
            try bindForTest(api, b, domain)
        } catch {
            try? api.close(a)
            try? api.close(b)
            if domain == .inet6 { try Test.cancel("IPv6 loopback (::1) unavailable: \(error)") }
            throw error
        }
        return (a, b)
    }

    /// Sends `data` from `from` and receives exactly as many bytes on `to`.
    static func roundTrip(_ api: any SocketAPI, _ data: [UInt8], from: Socket, to: Socket,
                          sourceLocation: SourceLocation = #_sourceLocation) async throws {
        async let got = api.recv(to, length: data.count, timeout: patience)
        try await api.send(from, data, timeout: patience)
        let received = try await got
        #expect(received.count == data.count, sourceLocation: sourceLocation)
        #expect(received == data, sourceLocation: sourceLocation)
    }
}
