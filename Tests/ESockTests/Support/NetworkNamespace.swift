import Foundation

/// A network namespace joined to this one by a veth pair, for tests that need a network path
/// other than loopback. Everything it creates is removed by ``remove()`` (deleting the
/// namespace also deletes the veth pair and the route through it).
///
/// Made with `ip` (iproute2); needs root and a kernel that allows network namespaces, so not
/// inside the project's containers (`ESOCK_IN_CONTAINER=1`).
final class NetworkNamespace: @unchecked Sendable {
    /// The namespace's name (`ip netns` name).
    let name: String
    /// The veth end in this (the test's) namespace.
    let hostLink: String
    /// `198.18.N.x` (RFC 2544 benchmarking range): the subnet's third byte.
    let subnet: UInt8

    /// The address of the namespace's end of the veth pair (answers, e.g. with RST).
    var peerAddress: String { "198.18.\(subnet).2" }
    /// An address routed into the namespace, where a blackhole route drops every packet
    /// silently: a connect to it never gets an answer.
    var blackholeAddress: String { "198.18.\(subnet).200" }

    /// Why namespaces cannot be used here, or nil when they can be tried.
    static let unavailableReason: String? = {
        if ProcessInfo.processInfo.environment["ESOCK_IN_CONTAINER"] == "1" {
            return "inside a container (ESOCK_IN_CONTAINER=1): no ip netns"
        }
        if getuid() != 0 { return "not root: ip netns needs CAP_SYS_ADMIN and CAP_NET_ADMIN" }
        guard ipPath != nil else { return "no ip command (iproute2) found" }
        return nil
    }()

    private static let ipPath: String? = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Runs `body` with a new namespace made by ``makeBlackhole()``, and removes the namespace
    /// afterwards. The `ip` commands run on a thread of their own: they block, and the
    /// cooperative pool (two threads on two cores) must keep serving the other tests' timers.
    /// Throws ``Failure`` when the namespace cannot be set up.
    static func withBlackhole<T: Sendable>(_ body: (NetworkNamespace) async throws -> T) async throws -> T {
        let ns = try await offPool { try makeBlackhole() }
        do {
            let r = try await body(ns)
            await offPool { ns.remove() }
            return r
        } catch {
            await offPool { ns.remove() }
            throw error
        }
    }

    private static func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { c in
            Thread { c.resume(with: Result { try work() }) }.start()
        }
    }

    private static func offPool(_ work: @escaping @Sendable () -> Void) async {
        await withCheckedContinuation { c in
            Thread { work(); c.resume() }.start()
        }
    }

    /// A new namespace with a veth pair `198.18.N.1/30` (here) – `198.18.N.2/30` (there), a
    /// route for `198.18.N.128/25` through it, and a blackhole route for that range inside.
    /// Blocks while `ip` runs. Throws ``Failure`` naming the failing command.
    static func makeBlackhole() throws -> NetworkNamespace {
        guard unavailableReason == nil else { throw Failure(unavailableReason!) }
        let tag = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        // A subnet nothing on this host routes yet (bounded tries).
        let routes = (try? run(["-4", "route", "show"])) ?? ""
        let addresses = (try? run(["-4", "-o", "addr", "show"])) ?? ""
        var subnet: UInt8?
        for _ in 0..<16 {
            let n = UInt8.random(in: 0...255)
            if !routes.contains("198.18.\(n).") && !addresses.contains("198.18.\(n).") { subnet = n; break }
        }
        guard let subnet else { throw Failure("no free 198.18.N.0/24 subnet found") }
        let ns = NetworkNamespace(name: "esock-bh-\(tag)", hostLink: "ebh\(tag.prefix(8))h", subnet: subnet)
        let peerLink = "ebh\(tag.prefix(8))n"
        let n = "198.18.\(subnet)"
        do {
            try run(["netns", "add", ns.name])
            try run(["link", "add", ns.hostLink, "type", "veth", "peer", "name", peerLink])
            try run(["link", "set", peerLink, "netns", ns.name])
            try run(["addr", "add", "\(n).1/30", "dev", ns.hostLink])
            try run(["link", "set", ns.hostLink, "up"])
            try run(["-n", ns.name, "link", "set", "lo", "up"])
            try run(["-n", ns.name, "addr", "add", "\(n).2/30", "dev", peerLink])
            try run(["-n", ns.name, "link", "set", peerLink, "up"])
            try run(["-n", ns.name, "route", "add", "blackhole", "\(n).128/25"])
            try run(["route", "add", "\(n).128/25", "via", "\(n).2", "dev", ns.hostLink])
        } catch {
            ns.remove()
            throw error
        }
        return ns
    }

    private init(name: String, hostLink: String, subnet: UInt8) {
        self.name = name
        self.hostLink = hostLink
        self.subnet = subnet
    }

    /// Deletes the namespace, the veth pair and the route. Safe to call more than once.
    func remove() {
        _ = try? Self.run(["netns", "del", name])
        // Normally gone with the namespace's end of the pair; make sure.
        _ = try? Self.run(["link", "del", hostLink])
    }

    /// What went wrong while setting a namespace up.
    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }

    /// Runs `ip args...` (bounded: killed after 10 s), returning its output; throws on failure.
    @discardableResult
    static func run(_ args: [String]) throws -> String {
        guard let ip = ipPath else { throw Failure("no ip command") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: ip)
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let killer = DispatchWorkItem { if p.isRunning { p.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 10, execute: killer)
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        killer.cancel()
        let text = String(decoding: data, as: UTF8.self)
        guard p.terminationStatus == 0 else {
            throw Failure("ip \(args.joined(separator: " ")) failed (\(p.terminationStatus)): \(text)")
        }
        return text
    }
}
