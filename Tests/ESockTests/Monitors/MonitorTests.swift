import Synchronization
import Testing
@testable import ESock

/// Socket monitors as OTP's `socket:monitor/1` family behaves (checked against OTP 25):
/// one `down` per monitor when the socket closes, at once on a socket already closed,
/// none after `cancelMonitor`, and the query calls. Other suites may hold monitors while
/// these run, so the process-wide count is checked as a lower bound.
@Suite struct MonitorTests {
    /// The `down` message of monitor `reference`, waiting up to a second.
    static func down(_ mailbox: Mailbox, _ reference: Handle) async -> SocketMessage? {
        await mailbox.receive(timeout: .seconds(1)) { $0.handle == reference }
    }

    @Test(arguments: TestBackends.all)
    func closeSendsOneDownPerMonitor(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let s = try api.open(.inet, .stream, .tcp)
        let a = Mailbox(), b = Mailbox()
        let m1 = api.monitor(s, caller: a)
        let m2 = api.monitor(s, caller: a)
        let m3 = api.monitor(s, caller: b)
        #expect(Set([m1, m2, m3]).count == 3)
        #expect(Set(api.whichMonitors(s)) == [m1, m2, m3])
        #expect(api.whichMonitors(caller: a).map(\.id) == [s.id])
        #expect(Set(api.monitoredBy(s).map(ObjectIdentifier.init)) == [ObjectIdentifier(a), ObjectIdentifier(b)])
        #expect(api.numberOfMonitors() >= 3)
        #expect(api.numberOfMonitors(caller: a) == 2 && api.numberOfMonitors(caller: b) == 1)
        #expect(a.count == 0 && b.count == 0, "no message before the close")

        try api.close(s)
        for (mb, ref) in [(a, m1), (a, m2), (b, m3)] {
            let m = try #require(await Self.down(mb, ref))
            guard case .down(let sock, let h, let reason) = m else { Issue.record("\(m)"); continue }
            #expect(sock === s && h == ref && reason == .closed)
            #expect(m.description.hasPrefix("{'DOWN', \(ref), socket, "))
        }
        #expect(a.count == 0 && b.count == 0, "exactly one down per monitor")
        #expect(api.whichMonitors(s).isEmpty && api.monitoredBy(s).isEmpty)
        #expect(api.numberOfMonitors(caller: a) == 0 && api.numberOfMonitors(caller: b) == 0)
        #expect(!api.cancelMonitor(m1), "a monitor that fired is no longer active")
    }

    @Test(arguments: TestBackends.all)
    func cancelledMonitorSendsNothing(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let s = try api.open(.inet, .dgram, .udp)
        let mb = Mailbox()
        let kept = api.monitor(s, caller: mb)
        let dropped = api.monitor(s, caller: mb)
        #expect(api.cancelMonitor(dropped))
        #expect(!api.cancelMonitor(dropped), "a second cancel finds nothing, as OTP's false")
        #expect(!api.cancelMonitor(Handle()), "an unknown reference is not an error")
        #expect(api.whichMonitors(s) == [kept])
        try api.close(s)
        #expect(await Self.down(mb, kept) != nil)
        await expectNoMessage(mb, wait: .milliseconds(50))
    }

    @Test(arguments: TestBackends.all)
    func monitorOfAClosedSocketIsDownAtOnce(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let s = try api.open(.inet, .stream, .tcp)
        try api.close(s)
        let mb = Mailbox()
        let ref = api.monitor(s, caller: mb)
        guard case .down(let sock, let h, .closed)? = mb.tryReceive() else {
            Issue.record("no immediate down"); return
        }
        #expect(sock === s && h == ref)
        #expect(api.whichMonitors(s).isEmpty && api.numberOfMonitors(caller: mb) == 0)
    }

    /// A monitor and a nowait operation of the same caller: the close aborts the operation
    /// and reports the monitor, one message each.
    @Test(arguments: TestBackends.all)
    func closeWithAPendingOperationAbortsItAndReportsTheMonitor(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let p = try await StreamPair.make(api)
        defer { p.close() }
        let mb = Mailbox()
        let ref = api.monitor(p.server, caller: mb)
        let info = try #require(expectPending(try api.recv(p.server, length: 0, nowait: mb), backend, .recv))
        try api.close(p.server)
        #expect(await message(mb, p.server, info.handle)?.abortReason == .closed)
        #expect(await Self.down(mb, ref) != nil)
        #expect(mb.count == 0)
    }

    /// Monitors set from many tasks while the socket closes: each gets exactly one `down`,
    /// whether it was set before the close or raced it.
    @Test(arguments: TestBackends.all)
    func monitorsRacingACloseGetExactlyOneDownEach(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        for _ in 0..<20 {
            let s = try api.open(.inet, .stream, .tcp)
            let mb = Mailbox()
            let refs = try await withThrowingTaskGroup(of: [Handle].self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        var r: [Handle] = []
                        for _ in 0..<25 { r.append(api.monitor(s, caller: mb)) }
                        return r
                    }
                }
                group.addTask {
                    await Task.yield()
                    try api.close(s)
                    return []
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            var seen: [Handle: Int] = [:]
            while let m = await mb.receive(timeout: .milliseconds(200)) {
                guard case .down(let sock, let h, .closed) = m, sock === s else { Issue.record("\(m)"); continue }
                seen[h, default: 0] += 1
                if seen.count == refs.count { break }
            }
            #expect(Set(seen.keys) == Set(refs), "every monitor reported")
            #expect(seen.values.allSatisfy { $0 == 1 }, "none reported twice")
            #expect(api.numberOfMonitors(caller: mb) == 0)
        }
    }

    /// A caller that no longer exists is not kept alive by its monitors, is not counted, and
    /// the socket's close tells nobody.
    @Test(arguments: TestBackends.all)
    func aGoneCallerIsNotKeptOrCounted(backend: Backend) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let s = try api.open(.inet, .stream, .tcp)
        weak var gone: Mailbox?
        do {
            let mb = Mailbox()
            gone = mb
            api.monitor(s, caller: mb)
            #expect(api.numberOfMonitors(caller: mb) == 1)
        }
        #expect(gone == nil, "the monitor does not keep its caller alive")
        #expect(api.whichMonitors(s).isEmpty && api.monitoredBy(s).isEmpty)
        try api.close(s)
    }
}
