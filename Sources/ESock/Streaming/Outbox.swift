/// Bytes waiting to be sent on one socket, in order, with one send in flight.
///
/// Two growable buffers: `flight` is what the current send reads (it never moves while the
/// kernel may read it), `queue` collects new writes meanwhile. Both are reused, so steady
/// traffic allocates nothing.
struct Outbox: Sendable {
    private(set) var flight = ByteBuffer()
    private var queue = ByteBuffer()
    /// A send is in the kernel (uring).
    var sending = false

    var isEmpty: Bool { flight.isEmpty && queue.isEmpty }

    /// Appends bytes after everything queued.
    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if sending || !flight.isEmpty { queue.append(bytes) } else { flight.append(bytes) }
    }

    /// `n` bytes of `flight` were sent; when it is empty the queue moves into flight.
    mutating func sent(_ n: Int) {
        flight.consume(n)
        if flight.isEmpty && !queue.isEmpty { swap(&flight, &queue) }
    }

    /// Moves queued bytes into flight when nothing is in flight.
    mutating func promote() {
        if flight.isEmpty && !queue.isEmpty { swap(&flight, &queue) }
    }

    mutating func release() {
        flight.release()
        queue.release()
    }
}

/// A growable byte buffer with a read offset; memory is kept for reuse until released.
struct ByteBuffer: @unchecked Sendable {
    private var base: UnsafeMutableRawPointer?
    private var capacity = 0
    private var head = 0
    private var tail = 0

    var isEmpty: Bool { head == tail }
    var count: Int { tail - head }

    /// The unread bytes. Valid until the next mutation.
    var readable: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base.map { UnsafeRawPointer($0 + head) }, count: tail - head)
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        if head == tail { head = 0; tail = 0 }
        if tail + bytes.count > capacity {
            if head > 0 {
                // Slide the unread bytes to the front before growing.
                base!.copyMemory(from: base! + head, byteCount: tail - head)
                tail -= head
                head = 0
            }
            if tail + bytes.count > capacity {
                let newCapacity = max(capacity * 2, tail + bytes.count, 4096)
                let p = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
                if let base {
                    p.copyMemory(from: base, byteCount: tail)
                    base.deallocate()
                }
                base = p
                capacity = newCapacity
            }
        }
        (base! + tail).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        tail += bytes.count
    }

    mutating func consume(_ n: Int) {
        head = min(head + n, tail)
        if head == tail { head = 0; tail = 0 }
    }

    mutating func release() {
        base?.deallocate()
        base = nil
        capacity = 0
        head = 0
        tail = 0
    }
}
