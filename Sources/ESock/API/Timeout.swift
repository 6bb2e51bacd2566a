/// How long a call may wait, as in OTP's `socket` module.
///
/// - `.nowait`: never block; the call returns at once with a result, or with a
///   ``SelectInfo``/``CompletionInfo`` and the caller's ``Mailbox`` gets a message later.
///   The awaiting forms of the calls treat `.nowait` like `.zero`.
/// - `.infinity`: wait until the operation is done or fails.
/// - a finite duration: wait at most that long, then cancel the operation and throw
///   ``SocketError/timeout`` (what had moved is in ``SocketError/partialData``). Zero means
///   one non-blocking attempt.
public enum Timeout: Sendable, Hashable {
    case nowait
    case infinity
    case finite(Duration)

    /// A finite timeout of `n` milliseconds.
    public static func milliseconds(_ n: Int) -> Timeout { .finite(.milliseconds(n)) }
    /// A finite timeout of `n` seconds.
    public static func seconds(_ n: Int) -> Timeout { .finite(.seconds(n)) }
    /// One non-blocking attempt.
    public static var zero: Timeout { .finite(.zero) }

    /// The point in time this timeout ends, or nil for `.infinity`.
    func deadline(from now: ContinuousClock.Instant = .now) -> ContinuousClock.Instant? {
        switch self {
        case .infinity: return nil
        case .nowait: return now
        case .finite(let d): return now.advanced(by: d < .zero ? .zero : d)
        }
    }
}
