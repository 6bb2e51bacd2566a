import ESock
import Foundation
import Testing

extension ResourceTests {
    /// `serve` with a descriptor limit far below its load: accepts fail with EMFILE, and the
    /// server neither stops nor spins; once connections close, it serves again.
    @Suite(.serialized) struct ExhaustionTests {
        // The stream path: ESock's own accept loop. (The async path backs off with Task.sleep,
        // whose runtime timers are not ESock's to keep working without descriptors.)
        @Test(arguments: ["stream"])
        func pollSurvivesEMFILE(path: String) async throws {
            try await survivesEMFILE(.poll, path: path)
        }

        @Test(.enabled(if: URingProbe.current.isUsable,
                       Comment(rawValue: "io_uring not usable here: \(URingProbe.current.unavailable ?? "")")),
              arguments: ["stream"])
        func uringSurvivesEMFILE(path: String) async throws {
            try await survivesEMFILE(.uring, path: path)
        }

        /// User + system CPU time of process `pid`, in clock ticks.
        static func cpuTicks(_ pid: Int32) -> Int? {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return nil }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 12, let u = Int(fields[11]), let s = Int(fields[12]) else { return nil }
            return u + s
        }

        private func survivesEMFILE(_ backend: Backend, path: String) async throws {
            let server = try CLI.Running(["serve", "--backend", backend.rawValue, "--port", "0", "--duration", "60",
                                          "--path", path, "--max-descriptors", "40"])
            let port = try await server.listeningPort()
            let api = try socketAPI(.poll)
            let address = SocketAddress.inet(.loopback, port: port)

            // Far more connections than descriptors: the kernel queues them, the server takes
            // what its limit allows.
            var clients: [Socket] = []
            for _ in 0..<60 {
                let c = try api.open(.inet, .stream, .tcp)
                do {
                    try await api.connect(c, address, timeout: .seconds(5))
                } catch {
                    server.signal(SIGTERM)
                    let done = await server.wait(timeout: .seconds(10))
                    Issue.record("connect \(clients.count): \(error); serve exited \(done.status): \(done.stderr)")
                    throw error
                }
                clients.append(c)
            }
            let echoed = await withTaskGroup(of: Bool.self) { g in
                for c in clients {
                    g.addTask {
                        do {
                            try await api.send(c, [42], timeout: .seconds(2))
                            return try await api.recv(c, length: 1, timeout: .seconds(2)) == [42]
                        } catch {
                            return false
                        }
                    }
                }
                return await g.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(echoed > 0 && echoed < 60, "\(echoed) of 60 echoed under a limit of 40 descriptors")
            // While connections wait that it cannot take, the server must not spin on accept.
            if let before = Self.cpuTicks(server.pid) {
                try await Task.sleep(for: .milliseconds(500))
                if let after = Self.cpuTicks(server.pid) {
                    #expect(after - before < 25, "the server used \(after - before) of 50 ticks while out of descriptors")
                }
            }
            for c in clients { try? api.close(c) }

            // Descriptors come back: a new connection is served again.
            var servedAgain = false
            for _ in 0..<50 where !servedAgain {
                let c = try api.open(.inet, .stream, .tcp)
                defer { try? api.close(c) }
                do {
                    try await api.connect(c, address, timeout: .seconds(5))
                    try await api.send(c, [7], timeout: .seconds(2))
                } catch {
                    server.signal(SIGTERM)
                    let done = await server.wait(timeout: .seconds(10))
                    Issue.record("after EMFILE: \(error); serve exited \(done.status): \(done.stderr)")
                    throw error
                }
                servedAgain = (try? await api.recv(c, length: 1, timeout: .milliseconds(300))) == [7]
            }
            #expect(servedAgain, "the server never served again after EMFILE")

            server.signal(SIGTERM)
            let done = await server.wait(timeout: .seconds(10))
            #expect(done.status == 0, "serve: \(done.stderr)")
            #expect(!done.stderr.contains("accept loop ended"), "\(done.stderr)")
        }
    }
}
