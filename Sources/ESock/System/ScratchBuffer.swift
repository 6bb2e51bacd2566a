#if canImport(Glibc)
import Glibc
#endif

/// A receive buffer per thread, for reads whose bytes are copied out at once (a direct
/// attempt copies exactly what arrived into the result array). A read then allocates only
/// its result, not a buffer of the full requested size besides.
enum ScratchBuffer {
    /// Reads up to this size use the thread's buffer; larger ones allocate their own.
    static let size = 64 * 1024

    nonisolated(unsafe) private static var key: pthread_key_t = {
        var k = pthread_key_t()
        pthread_key_create(&k) { p in p?.deallocate() }
        return k
    }()

    /// Runs `body` with `count` bytes of uninitialised memory that nothing else uses
    /// meanwhile. Not reentrant: `body` must not call it again on the same thread.
    static func with<R>(count: Int, _ body: (UnsafeMutableRawBufferPointer) -> R) -> R {
        guard count <= size else {
            let b = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: 16)
            defer { b.deallocate() }
            return body(b)
        }
        var p = pthread_getspecific(key)
        if p == nil {
            p = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
            pthread_setspecific(key, p)
        }
        return body(UnsafeMutableRawBufferPointer(start: p, count: count))
    }
}
