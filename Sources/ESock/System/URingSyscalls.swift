import CURing
#if canImport(Glibc)
import Glibc
#endif

// The io_uring side of the system-call layer: submissions and completion results pass
// through here, so the fault-injection seam can make a submission fail or a completion
// carry an error the kernel did not produce.

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
    if let f = FaultInjection.take(.wait, fd: -1) { return injectedResult(f) }
    #endif
    return io_uring_submit_and_wait(ring, waitFor)
}

#if DEBUG
/// The result a completion of `kind` on `fd` is handled with: the kernel's, or an injected one.
func completionResult(_ kind: FaultInjection.CompletionKind, _ fd: Int32, _ res: Int32) -> Int32 {
    // A short write is injected at the send call; a completion reports what the kernel did.
    guard let f = FaultInjection.take(.completion(kind), fd: fd), f != .short(0) else { return res }
    if case .short = f { return res }
    return injectedResult(f)
}

private func injectedResult(_ f: FaultInjection.Fault) -> Int32 {
    switch f {
    case .errno(let e): return -e.rawValue
    case .short(let n): return Int32(clamping: n)
    case .overflow: return -EBUSY
    }
}
#else
@inline(__always)
func completionResult(_ kind: Void, _ fd: Int32, _ res: Int32) -> Int32 { res }
#endif
