import ESock
import Foundation
import Testing

extension ResourceTests {
    /// 10,000 connections open at once: `serve` (in its own process, so each side has its own
    /// descriptor table) accepts and streams them all on the backend under test, and the
    /// clients in this process, on the same backend, each get their echo.
    @Suite(.serialized) struct ManyConnectionsTests {
        static let count = 10_000

        @Test func poll() async throws {
            try await tenThousand(.poll)
        }

        @Test(.enabled(if: URingProbe.current.isUsable,
                       Comment(rawValue: "io_uring not usable here: \(URingProbe.current.unavailable ?? "")")))
        func uring() async throws {
            try await tenThousand(.uring)
        }

        /// Why this process cannot hold `count` more descriptors, or nil.
        static func descriptorShortage() -> String? {
            var r = rlimit()
            guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &r) == 0 else { return "getrlimit failed" }
            return r.rlim_cur >= rlim_t(count + 1_500) ? nil : "the descriptor limit is \(r.rlim_cur); 10,000 connections need \(count + 1_500)"
        }

        private func tenThousand(_ backend: Backend) async throws {
            if let why = Self.descriptorShortage() {
                print("ESockStressTests: 10,000 connections skipped: \(why)")
                try Test.cancel(Comment(rawValue: why))
            }
            let server = try CLI.Running(["serve", "--backend", backend.rawValue, "--port", "0", "--duration", "120",
                                          "--path", "stream", "--backlog", "4096"])
            let port = try await server.listeningPort()
            let api = try socketAPI(backend)
            let address = SocketAddress.inet(.loopback, port: port)
            var clients: [Socket] = []
            clients.reserveCapacity(Self.count)
            defer { for c in clients { try? api.close(c) } }
            while clients.count < Self.count {
                let batch = min(1000, Self.count - clients.count)
                clients += try await withThrowingTaskGroup(of: Socket.self) { g in
                    for _ in 0..<batch {
                        g.addTask {
                            let c = try api.open(.inet, .stream, .tcp)
                            try await api.connect(c, address, timeout: .seconds(30))
                            return c
                        }
                    }
                    return try await g.reduce(into: [Socket]()) { $0.append($1) }
                }
            }
            // All open at once; one round trip on each.
            let echoed = try await withThrowingTaskGroup(of: Int.self) { g in
                for start in stride(from: 0, to: clients.count, by: 500) {
                    let part = Array(clients[start..<min(start + 500, clients.count)])
                    g.addTask {
                        var ok = 0
                        for (i, c) in part.enumerated() {
                            let b = UInt8(truncatingIfNeeded: start + i)
                            try await api.send(c, [b], timeout: .seconds(30))
                            if try await api.recv(c, length: 1, timeout: .seconds(30)) == [b] { ok += 1 }
                        }
                        return ok
                    }
                }
                return try await g.reduce(0, +)
            }
            #expect(echoed == Self.count)
            for c in clients { try api.close(c) }
            clients.removeAll()

            server.signal(SIGTERM)
            let done = await server.wait(timeout: .seconds(30))
            #expect(done.status == 0, "serve: \(done.stderr)")
            let summary = try #require(done.stderrLines.first { $0.contains("stopped by SIGTERM") }, "\(done.stderr)")
            #expect(summary.contains("\(Self.count) connections"), "\(summary)")
            #expect(summary.contains(" 0 errors"), "\(summary)")
        }
    }
}
