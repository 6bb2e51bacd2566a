import ESock
#if canImport(Glibc)
import Glibc
#endif

/// The bytes a load connection sends, so every echoed byte can be checked.
///
/// The byte at stream offset `o` of connection `seed` is `(o + seed) mod 251`: it differs
/// between neighbouring connections (a mix-up of streams shows) and its period, a prime,
/// does not line up with power-of-two buffer sizes (a lost or repeated buffer shows). One
/// shared table serves every connection; a chunk is a slice of it.
struct Pattern: Sendable {
    static let period = 251
    private let table: [UInt8]
    /// The longest chunk ``bytes(offset:seed:count:)`` and ``matches(_:offset:seed:)`` take.
    let maxChunk: Int

    init(maxChunk: Int) {
        self.maxChunk = maxChunk
        table = (0..<(Pattern.period + maxChunk)).map { UInt8($0 % Pattern.period) }
    }

    private func start(_ offset: Int, _ seed: Int) -> Int { (offset + seed) % Pattern.period }

    /// The `count` bytes at stream `offset` of connection `seed`.
    func bytes(offset: Int, seed: Int, count: Int) -> [UInt8] {
        precondition(count <= maxChunk)
        let s = start(offset, seed)
        return Array(table[s..<(s + count)])
    }

    /// Lends the `count` bytes at stream `offset` of connection `seed` to `body`, without a
    /// copy: a slice of the shared table.
    func withBytes<R>(offset: Int, seed: Int, count: Int, _ body: (UnsafeRawBufferPointer) throws(SocketError) -> R) throws(SocketError) -> R {
        precondition(count <= maxChunk)
        let s = start(offset, seed)
        let r: Result<R, SocketError> = table.withUnsafeBytes { t in
            do throws(SocketError) {
                return .success(try body(UnsafeRawBufferPointer(rebasing: t[s..<(s + count)])))
            } catch {
                return .failure(error)
            }
        }
        return try r.get()
    }

    /// Whether `data` is what connection `seed` sent at stream `offset`.
    func matches(_ data: [UInt8], offset: Int, seed: Int) -> Bool {
        data.withUnsafeBytes { matches($0, offset: offset, seed: seed) }
    }

    /// Whether `data` is what connection `seed` sent at stream `offset`.
    func matches(_ data: UnsafeRawBufferPointer, offset: Int, seed: Int) -> Bool {
        guard data.count <= maxChunk else {
            // Longer than any chunk we send: check it piecewise.
            var at = 0
            while at < data.count {
                let n = min(maxChunk, data.count - at)
                if !matches(UnsafeRawBufferPointer(rebasing: data[at..<(at + n)]), offset: offset + at, seed: seed) {
                    return false
                }
                at += n
            }
            return true
        }
        guard let d = data.baseAddress else { return true }
        let s = start(offset, seed)
        return table.withUnsafeBytes { t in memcmp(d, t.baseAddress! + s, data.count) == 0 }
    }
}
