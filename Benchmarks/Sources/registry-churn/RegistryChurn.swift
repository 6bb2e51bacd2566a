// Open/close churn with the socket registry on and off, per backend and thread count.
//
//   registry-churn [--pairs 30] [--batch 10000]
//
// Each pair runs one batch with the registry on and one with it off (alternating which
// goes first), opening and closing UDP sockets; it prints the median rate of each and the
// median of the per-pair on/off ratios. The registry must not become the bottleneck the
// socket usage guide warns of: the target is a ratio within 10% of 1.
import ArgumentParser
import ESock

/// `registry-churn`: the socket registry's cost under open/close churn.
@main
struct RegistryChurn: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registry-churn",
        abstract: "Open/close churn with the socket registry on and off, per backend and thread count.",
        discussion: """
            Each pair runs one batch with the registry on and one with it off (alternating \
            which goes first). Prints the median rate of each and the median of the per-pair \
            on/off ratios; the target is a ratio within 10% of 1.
            """)

    @Option(help: "Pairs of batches (registry on, registry off) per backend and thread count.")
    var pairs = 30

    @Option(help: "Sockets opened and closed per thread in one batch.")
    var batch = 10_000

    func validate() throws {
        guard (1...1000).contains(pairs) else { throw ValidationError("--pairs must be in 1...1000, got \(pairs)") }
        guard (1...10_000_000).contains(batch) else {
            throw ValidationError("--batch must be in 1...10000000, got \(batch)")
        }
    }

    func run() async throws {
        print("backend  threads  registry on (/s)  registry off (/s)  on/off ratio (median of \(pairs) pairs of \(batch))")
        for backend in [Backend.poll, .uring] {
            guard let api = try? socketAPI(backend) else {
                print("\(backend.rawValue): unavailable here")
                continue
            }
            for threads in [1, 2] {
                var on: [Double] = [], off: [Double] = [], ratios: [Double] = []
                for pair in 0..<pairs {
                    let first = pair % 2 == 0
                    let a = await Self.churn(api, registry: first, threads: threads, count: batch)
                    let b = await Self.churn(api, registry: !first, threads: threads, count: batch)
                    let (r1, r0) = first ? (a, b) : (b, a)
                    on.append(r1); off.append(r0); ratios.append(r1 / r0)
                }
                let row: [String] = [Self.cell(backend.rawValue, 8), Self.cell(String(threads), 8),
                                     Self.cell(String(Int(Self.median(on))), 17),
                                     Self.cell(String(Int(Self.median(off))), 18), String(Self.median(ratios))]
                print(row.joined(separator: " "))
            }
        }
    }

    /// Opens and closes `count` sockets on each of `threads` tasks; returns sockets per second.
    static func churn(_ api: any SocketAPI, registry: Bool, threads: Int, count: Int) async -> Double {
        let start = ContinuousClock.now
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<threads {
                group.addTask {
                    for _ in 0..<count {
                        guard let s = try? api.open(.inet, .dgram, .udp, options: OpenOptions(useRegistry: registry)) else { continue }
                        try? api.close(s)
                    }
                }
            }
        }
        let d = start.duration(to: .now).components
        return Double(threads * count) / (Double(d.seconds) + Double(d.attoseconds) / 1e18)
    }

    /// The upper median of `xs` (not empty).
    /// The upper median of `xs` (not empty).
    static func median(_ xs: [Double]) -> Double { let s = xs.sorted(); return s[s.count / 2] }

    /// `text` padded with spaces to `width` columns.
    static func cell(_ text: String, _ width: Int) -> String {
        text + String(repeating: " ", count: max(0, width - text.count))
    }
}
