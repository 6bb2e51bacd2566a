import Synchronization
#if ESOCK_SANITIZER_LOCK
#if canImport(Glibc)
import Glibc
#endif
#endif

/// A value guarded by a lock: the one lock type of the package.
///
/// Normally it is Synchronization's `Mutex` (a futex, no allocation). ThreadSanitizer does
/// not see that `Mutex` on Linux and reports every access inside `withLock` as a race, so
/// sanitizer builds (`-Xswiftc -DESOCK_SANITIZER_LOCK`, see `Scripts/sanitize.sh`) use a
/// heap-allocated pthread mutex instead, behind the same interface.
package struct Lock<Value: ~Copyable>: ~Copyable, @unchecked Sendable {
    #if ESOCK_SANITIZER_LOCK
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let value: UnsafeMutablePointer<Value>

    /// A lock guarding `initial`.
    package init(_ initial: consuming sending Value) {
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        value = .allocate(capacity: 1)
        value.initialize(to: initial)
    }

    /// Runs `body` with exclusive access to the value.
    package borrowing func withLock<Result, E: Error>(
        _ body: (inout sending Value) throws(E) -> sending Result
    ) throws(E) -> sending Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value.pointee)
    }

    deinit {
        value.deinitialize(count: 1)
        value.deallocate()
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }
    #else
    private let mutex: Mutex<Value>

    /// A lock guarding `initial`.
    package init(_ initial: consuming sending Value) {
        mutex = Mutex(initial)
    }

    /// Runs `body` with exclusive access to the value.
    @inline(__always)
    package borrowing func withLock<Result, E: Error>(
        _ body: (inout sending Value) throws(E) -> sending Result
    ) throws(E) -> sending Result {
        try mutex.withLock(body)
    }
    #endif
}
