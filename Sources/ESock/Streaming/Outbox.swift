/// Bytes waiting to be sent on one socket, in order, with one send in flight.
///
/// Two growable buffers: `flight` is what the current send reads (it never moves while the
/// kernel may read it), `queue` collects new writes meanwhile. Both are reused, so steady
/// traffic allocates nothing. On uring, bytes written straight from a provided buffer lent to
/// a handler are sent from that buffer (`borrowed`), not copied; it goes back to the ring
/// once all of it is sent.
struct Outbox: ~Copyable, @unchecked Sendable {
    private(set) var flight = OutboxBuffer()
    private var queue = OutboxBuffer()
    /// A send is in the kernel (uring).
    var sending = false
    /// The unsent rest of a lent provided buffer, sent before anything else.
    private(set) var borrowed: UnsafeRawBufferPointer?
    /// The provided buffer `borrowed` lies in.
    private(set) var borrowedBuffer: UInt16 = 0

    var isEmpty: Bool { borrowed == nil && flight.isEmpty && queue.isEmpty }

    /// Sends `bytes` from where they are (a lent provided buffer) instead of copying them;
    /// only when nothing else waits or is in flight, so the order stays.
    mutating func borrow(_ bytes: UnsafeRawBufferPointer, buffer: UInt16) {
        precondition(isEmpty && !sending, "a borrowed buffer must be the only bytes queued")
        borrowed = bytes
        borrowedBuffer = buffer
    }

    /// What the next send writes.
    mutating func next() -> UnsafeRawBufferPointer {
        if let borrowed { return borrowed }
        promote()
        return flight.readable
    }

    /// Appends bytes after everything queued.
    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if sending || !flight.isEmpty { queue.append(bytes) } else { flight.append(bytes) }
    }

    /// `n` bytes of the last send went out; when `flight` is empty the queue moves into it.
    /// Returns the provided buffer to give back when a borrowed one has been sent whole.
    @discardableResult
    mutating func sent(_ n: Int) -> UInt16? {
        if let b = borrowed {
            guard n < b.count else {
                borrowed = nil
                return borrowedBuffer
            }
            borrowed = UnsafeRawBufferPointer(rebasing: b[n...])
            return nil
        }
        flight.consume(n)
        if flight.isEmpty && !queue.isEmpty { swap(&flight, &queue) }
        return nil
    }

    /// Moves queued bytes into flight when nothing is in flight.
    mutating func promote() {
        if flight.isEmpty && !queue.isEmpty { swap(&flight, &queue) }
    }

    /// Drops every unsent byte and frees the buffers. Returns a borrowed provided buffer,
    /// which the caller gives back to its ring.
    @discardableResult
    mutating func release() -> UInt16? {
        flight.release()
        queue.release()
        defer { borrowed = nil }
        return borrowed == nil ? nil : borrowedBuffer
    }
}

/// A growable byte buffer with a read offset; memory is kept for reuse until released, and
/// freed when the buffer ends (it cannot be copied, so it is freed exactly once).
struct OutboxBuffer: ~Copyable, @unchecked Sendable {
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

    deinit {
        base?.deallocate()
    }
}
