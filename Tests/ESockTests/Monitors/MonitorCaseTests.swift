import Testing
@testable import ESock

/// OTP socket_SUITE group `monitor`: several sockets (of each domain and type), several
/// monitoring callers, and both ends of a socket's life: `close`, or its owner's end (OTP's
/// controlling process exiting). Every monitor reports exactly one `down`, a cancelled one
/// none.
@Suite struct MonitorCaseTests {
    enum End: String, Sendable, CaseIterable, CustomTestStringConvertible {
        case close, ownerEnds
        var testDescription: String { rawValue }
    }

    /// One open socket of each kind OTP's cases use: inet, inet6 and local, stream and dgram.
    static func sockets(_ api: any SocketAPI, owner: Mailbox) throws -> [Socket] {
        try Domain.allCases.flatMap { d in
            try [SocketType.stream, .dgram].map { t in try api.open(d, t, .default, options: OpenOptions(owner: owner)) }
        }
    }

    /// Ends every socket in `sockets` the way `end` says.
    static func finish(_ api: any SocketAPI, _ sockets: [Socket], owner: Mailbox, _ end: End) throws {
        switch end {
        case .close: for s in sockets { try api.close(s) }
        case .ownerEnds: owner.end()
        }
        for s in sockets { #expect(s.isClosed) }
    }

    /// Collects the `down` messages in `mailbox` for `references` (bounded wait); records an
    /// issue for a missing one, a wrong reason, or anything else arriving.
    static func expectDowns(_ mailbox: Mailbox, _ references: [(Handle, Socket)]) async {
        for (ref, socket) in references {
            guard let m = await mailbox.receive(timeout: .seconds(2), where: { $0.handle == ref }) else {
                Issue.record("no down for \(ref)")
                continue
            }
            guard case .down(let s, _, let reason) = m else { Issue.record("\(m)"); continue }
            #expect(s === socket && reason == .closed)
        }
        await expectNoMessage(mailbox, wait: .milliseconds(30))
    }

    /// monitor_open_and_{close,exit}_multi_socks and monitor_open_and_demon_and_close_multi_socks:
    /// one caller monitors six sockets and cancels the monitor of two.
    @Test(arguments: TestBackends.all, End.allCases)
    func oneCallerManySockets(backend: Backend, end: End) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let owner = Mailbox(), watcher = Mailbox()
        let sockets = try Self.sockets(api, owner: owner)
        defer { for s in sockets { try? api.close(s) } }
        let refs = sockets.map { api.monitor($0, caller: watcher) }
        #expect(api.numberOfMonitors(caller: watcher) == sockets.count)
        #expect(api.cancelMonitor(refs[0]) && api.cancelMonitor(refs[3]))
        #expect(api.numberOfMonitors(caller: watcher) == sockets.count - 2)
        try Self.finish(api, sockets, owner: owner, end)
        let live = zip(refs, sockets).enumerated().filter { ![0, 3].contains($0.offset) }.map(\.element)
        await Self.expectDowns(watcher, live)
        #expect(api.numberOfMonitors(caller: watcher) == 0)
    }

    /// monitor_open_and_{close,exit}_multi_mon: several callers monitor one socket (of each kind).
    @Test(arguments: TestBackends.all, End.allCases)
    func manyCallersOneSocket(backend: Backend, end: End) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        for domain in Domain.allCases {
            let owner = Mailbox()
            let s = try api.open(domain, .stream, .default, options: OpenOptions(owner: owner))
            defer { try? api.close(s) }
            let watchers = (0..<4).map { _ in Mailbox() }
            let refs = watchers.map { api.monitor(s, caller: $0) }
            #expect(api.monitoredBy(s).count == watchers.count)
            try Self.finish(api, [s], owner: owner, end)
            for (w, ref) in zip(watchers, refs) { await Self.expectDowns(w, [(ref, s)]) }
            #expect(api.whichMonitors(s).isEmpty)
        }
    }

    /// monitor_open_and_{close,exit}_multi_socks_and_mon: several callers, each monitoring
    /// every socket.
    @Test(arguments: TestBackends.all, End.allCases)
    func manyCallersManySockets(backend: Backend, end: End) async throws {
        guard let api = try TestBackends.api(backend) else { return }
        let owner = Mailbox()
        let sockets = try Self.sockets(api, owner: owner)
        defer { for s in sockets { try? api.close(s) } }
        let watchers = (0..<3).map { _ in Mailbox() }
        let refs = watchers.map { w in sockets.map { api.monitor($0, caller: w) } }
        for w in watchers { #expect(api.numberOfMonitors(caller: w) == sockets.count) }
        try Self.finish(api, sockets, owner: owner, end)
        for (w, r) in zip(watchers, refs) { await Self.expectDowns(w, Array(zip(r, sockets))) }
    }
}
