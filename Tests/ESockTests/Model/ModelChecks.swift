import Foundation

/// Bytes one receive handed to the model, with where they belong in the stream's order.
///
/// `key` orders receives as the README defines order across callers: on poll the moment the
/// bytes were taken (nothing is read before a caller calls); on uring the moment the
/// operation entered the socket's reader queue, because the kernel completes the queue in
/// that order whenever the model gets around to reading each caller's message. `part`
/// orders the pieces of one operation (partial data first, then its message).
struct ReceivedChunk: CustomStringConvertible {
    let key: Int
    let part: Int
    let bytes: [UInt8]
    let how: String
    var description: String { "#\(key).\(part) \(how) \(bytes.count)B" }
}

/// One send call of the subject and how much of it may have reached the peer.
///
/// Each call's payload is the test pattern at its own offset, with a gap between calls, so
/// a byte of one call can be told from the next. `lo...hi` is what the call's result says
/// was written: exact for a finished call or a timeout (its partial data is what was not
/// sent), a range for an operation cancelled or aborted in the kernel.
struct SentCall: CustomStringConvertible {
    let offset: Int
    let count: Int
    var lo: Int
    var hi: Int
    let how: String
    var payload: [UInt8] { patternBytes(offset, count) }
    var description: String { "\(how) \(lo == hi ? "\(lo)" : "\(lo)...\(hi)")/\(count)B" }
}

enum ModelChecks {
    /// The chunks' bytes in stream order.
    static func ordered(_ chunks: [ReceivedChunk]) -> [ReceivedChunk] {
        chunks.enumerated().sorted { a, b in
            (a.element.key, a.element.part, a.offset) < (b.element.key, b.element.part, b.offset)
        }.map(\.element)
    }

    /// The index of the first byte where `a` and `b` differ, nil if one is a prefix of the other.
    static func firstDifference(_ a: [UInt8], _ b: [UInt8]) -> Int? {
        for i in 0..<min(a.count, b.count) where a[i] != b[i] { return i }
        return nil
    }

    /// Whether `chunks` (non-empty ones) cover `expected[0..<total]` exactly once each in
    /// *some* order: uring's documented late-cancel case, where a caller's receive already
    /// in the kernel gets later bytes before the next caller gets the stashed ones (and that
    /// caller's result is the stash followed by what it read itself, so a chunk may be two
    /// runs of the stream). Depth-first, key order first; nil when `budget` tries run out.
    static func tiles(_ chunks: [ReceivedChunk], _ expected: [UInt8], budget: Int = 200_000) -> Bool? {
        var pieces = ordered(chunks).filter { !$0.bytes.isEmpty }.map { (bytes: $0.bytes[...], splittable: true) }
        let total = pieces.reduce(0) { $0 + $1.bytes.count }
        guard total <= expected.count else { return false }
        var used = [Bool](repeating: false, count: pieces.count)
        var tries = 0
        func go(_ p: Int) -> Bool? {
            if p == total { return used.allSatisfy { $0 } }
            for i in pieces.indices where !used[i] {
                tries += 1
                if tries > budget { return nil }
                let piece = pieces[i]
                var n = 0
                while n < piece.bytes.count && p + n < total
                    && expected[p + n] == piece.bytes[piece.bytes.startIndex + n] { n += 1 }
                if n == 0 || (n < piece.bytes.count && !piece.splittable) { continue }
                used[i] = true
                var added = false
                if n < piece.bytes.count {
                    // The rest of this chunk is a run of its own, later in the stream.
                    pieces.append((piece.bytes.dropFirst(n), false))
                    used.append(false)
                    added = true
                }
                switch go(p + n) {
                case .some(true): return true
                case .none: return nil
                default:
                    used[i] = false
                    if added { pieces.removeLast(); used.removeLast() }
                }
            }
            return false
        }
        return go(0)
    }

    /// Whether `chunks` are pieces of `expected` that never overlap: each chunk one or more
    /// runs of the stream, no byte received twice, none from outside it. For a stream cut
    /// short (close, reset) on uring after a late cancel: stashed bytes dropped at close
    /// leave a gap before bytes other callers got.
    static func disjointPieces(_ chunks: [ReceivedChunk], _ expected: [UInt8]) -> Bool {
        var covered = [Bool](repeating: false, count: expected.count)
        var near = 0
        for c in ordered(chunks) {
            var rest = c.bytes[...]
            while !rest.isEmpty {
                let probe = rest.prefix(12)
                guard expected.count >= probe.count else { return false }
                let matches = { (i: Int) in !covered[i] && expected[i..<(i + probe.count)].elementsEqual(probe) }
                let last = expected.count - probe.count
                // Near where the stream order puts it first (within a pattern period), then anywhere.
                var starts = (max(0, near - 70_000)...max(0, min(last, near + 70_000))).filter(matches)
                if starts.isEmpty { starts = (0...last).filter(matches) }
                guard let at = starts.min(by: { abs($0 - near) < abs($1 - near) }) else { return false }
                var n = 0
                while n < rest.count && at + n < expected.count && !covered[at + n]
                    && expected[at + n] == rest[rest.startIndex + n] { n += 1 }
                for i in at..<(at + n) { covered[i] = true }
                rest = rest.dropFirst(n)
                near = at + n
            }
        }
        return true
    }

    /// Where a greedy reading of `received` as `calls` gets stuck: for a failure message.
    static func sendDiagnosis(_ received: [UInt8], _ calls: [SentCall]) -> String {
        var p = 0
        var out: [String] = []
        for c in calls {
            let payload = c.payload
            var n = 0
            while n < payload.count && p + n < received.count && received[p + n] == payload[n] { n += 1 }
            out.append("\(c.how): \(n) at \(p)")
            p += n
        }
        // Which call's payload the next bytes belong to, if any.
        if p < received.count {
            let next = Array(received[p..<min(received.count, p + 16)])
            for c in calls {
                let payload = c.payload
                if let k = (0...max(0, payload.count - next.count)).first(where: { payload[$0..<min(payload.count, $0 + next.count)].elementsEqual(next) }),
                   payload.count >= next.count {
                    out.append("byte \(p) continues \(c.how) at its byte \(k)")
                    break
                }
            }
        }
        return out.joined(separator: "; ")
    }

    /// Whether what the peer received is the subject's calls, in call order, each written
    /// contiguously (no reordering, no interleaving), each with a length the call's result
    /// allows. `complete`: the peer read to the end of the stream, so it must account for
    /// everything; else (a reset) any prefix of that will do.
    static func parses(_ received: [UInt8], _ calls: [SentCall], complete: Bool) -> Bool {
        let payloads = calls.map(\.payload)
        var failed = Set<Int>()  // i * (received.count + 1) + p
        func go(_ i: Int, _ p: Int) -> Bool {
            if p == received.count && (!complete || calls[i...].allSatisfy { $0.lo == 0 }) { return true }
            if i == calls.count { return false }
            let memo = i * (received.count + 1) + p
            if failed.contains(memo) { return false }
            let c = calls[i]
            var common = 0
            let limit = min(c.hi, received.count - p)
            while common < limit && received[p + common] == payloads[i][common] { common += 1 }
            if common >= c.lo || !complete {
                for w in stride(from: common, through: complete ? c.lo : 0, by: -1) where go(i + 1, p + w) {
                    return true
                }
            }
            failed.insert(memo)
            return false
        }
        return go(0, 0)
    }

    /// The kernel's name of the socket open as `fd` (`socket:[inode]`), nil if `fd` is not open.
    static func socketName(_ fd: Int32) -> String? {
        let s = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)")
        return s.flatMap { $0.hasPrefix("socket:") ? $0 : nil }
    }

    /// The targets of every open descriptor of this process.
    static func openDescriptors() -> [String] {
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return fds.compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\($0)") }
    }
}
