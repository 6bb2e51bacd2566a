import CURing
#if canImport(Glibc)
import Glibc
#endif

// The io_uring side of the system-call layer: submissions pass through here, so the
// fault-injection seam can make a submission fail, or an operation complete at once with an
// error the kernel did not produce (it is then never submitted, so no descriptor or buffer
// the kernel would have handed over is lost).

/// `io_uring_submit`; returns the submitted count or `-errno`.
func uringSubmit(_ ring: UnsafeMutablePointer<io_uring>) -> Int32 {
    #if DEBUG
    if let f = FaultInjection.take(.submit, fd: -1) { return injectedResult(f) }
    #endif
    return io_uring_submit(ring)
}

/// `io_uring_submit_and_wait`; returns the submitted count or `-errno`.
func uringSubmitAndWait(_ ring: UnsafeMutablePointer<io_uring>, _ waitFor: UInt32) -> Int32 {
    #if DEBUG
    if let f = FaultInjection.take(.submit, fd: -1) { return injectedResult(f) }
    #endif
    return io_uring_submit_and_wait(ring, waitFor)
}

/// The result an operation of `kind` on `fd` completes with at once instead of being
/// submitted, when the fault seam has one armed (debug builds); nil to submit it.
func injectedCompletion(_ kind: FaultSite.CompletionKind, _ fd: Int32) -> Int32? {
    #if DEBUG
    guard let f = FaultInjection.take(.completion(kind), fd: fd) else { return nil }
    return injectedResult(f)
    #else
    return nil
    #endif
}

/// What the fault seam does to a streaming send of `count` bytes on `fd` (debug builds): nil
/// to submit it whole; `.submit(n)` to submit only its first `n` bytes (a real short send);
/// `.complete(res)` to complete it at once with `res` instead of submitting it.
func injectedStreamSend(_ fd: Int32, count: Int) -> InjectedSend? {
    #if DEBUG
    guard let f = FaultInjection.take(.completion(.streamSend), fd: fd) else { return nil }
    if case .short(let n) = f { return .submit(max(0, min(n, count))) }
    return .complete(injectedResult(f))
    #else
    return nil
    #endif
}

/// See ``injectedStreamSend(_:count:)``.
enum InjectedSend {
    case submit(Int)
    case complete(Int32)
}

#if DEBUG
private func injectedResult(_ f: FaultInjection.Fault) -> Int32 {
    switch f {
    case .errno(let e): return -e.rawValue
    case .short(let n): return Int32(clamping: n)
    case .overflow: return -EBUSY
    }
}
#endif
