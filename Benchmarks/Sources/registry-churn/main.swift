// Open/close churn with the socket registry on and off, per backend and thread count.
//
//   registry-churn [--pairs 30] [--batch 10000]
//
// Each pair runs one batch with the registry on and one with it off (alternating which
// goes first), opening and closing UDP sockets; it prints the median rate of each and the
// median of the per-pair on/off ratios. The registry must not become the bottleneck the
// socket usage guide warns of: the target is a ratio within 10% of 1.
import ESock
import Synchronization

func argument(_ name: String, _ fallback: Int) -> Int {
    let a = CommandLine.arguments
    guard let i = a.firstIndex(of: name), i + 1 < a.count, let v = Int(a[i + 1]), v > 0 else { return fallback }
    return v
}

let pairs = argument("--pairs", 30)
let batch = argument("--batch", 10_000)

/// Opens and closes `count` sockets on each of `threads` tasks; returns sockets per second.
func churn(_ api: any SocketAPI, registry: Bool, threads: Int, count: Int) async -> Double {
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

func median(_ xs: [Double]) -> Double { let s = xs.sorted(); return s[s.count / 2] }

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
            let a = await churn(api, registry: first, threads: threads, count: batch)
            let b = await churn(api, registry: !first, threads: threads, count: batch)
            let (r1, r0) = first ? (a, b) : (b, a)
            on.append(r1); off.append(r0); ratios.append(r1 / r0)
        }
        func cell(_ text: String, _ width: Int) -> String { text + String(repeating: " ", count: max(0, width - text.count)) }
        let onRate = Int(median(on)), offRate = Int(median(off))
        let row: [String] = [cell(backend.rawValue, 8), cell(String(threads), 8), cell(String(onRate), 17),
                             cell(String(offRate), 18), String(median(ratios))]
        print(row.joined(separator: " "))
    }
}
