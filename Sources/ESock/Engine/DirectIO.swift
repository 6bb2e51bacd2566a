#if canImport(Glibc)
import Glibc
#endif

/// The result of one non-blocking attempt at an operation.
enum Attempt {
    /// Finished (successfully or not).
    case done(CompletionStatus)
    /// Moved some data (`.data` received or `.sent(n)`) but needs to wait for the rest.
    case partial(CompletionStatus)
    /// Nothing could be done without waiting.
    case wouldBlock
}

extension Engine {
    /// Tries `request` once without blocking (MSG_DONTWAIT), as far as it goes.
    /// Called with the socket's lock held, so no other caller's syscall interleaves.
    func attempt(_ socket: Socket, _ request: Request, _ state: inout SocketState) -> Attempt {
        let fd = socket.fileDescriptor
        let stream = socket.type == .stream
        let dontwait = msgDontWait
        state.counters.tried(request.direction)
        do throws(Errno) {
            switch request {
            case .accept:
                // No connection pending on the non-blocking listener: wait for one.
                guard case .done(let nfd) = try sysAccept(fd, nonblocking: nonblockingDescriptors) else { return .wouldBlock }
                return .done(accepted(fd: nfd, from: socket, owner: state.owner))

            case .connect(var addr):
                guard case .done = try sysConnect(fd, &addr) else { return .wouldBlock }
                return .done(.ok)

            case .recv(let length, let flags):
                let size = length > 0 ? length : (stream ? state.otp.rcvbuf : 65536)
                // One buffer for all the tries (the thread's scratch memory up to its size):
                // a large read arriving in many small pieces must not cost a fresh zero-filled
                // buffer per piece, and a small one allocates only its result.
                return ScratchBuffer.with(count: max(size, 1)) { buffer in
                    Self.receive(fd, into: buffer, size: size, flags: flags | dontwait, trunc: request.isTrunc,
                                 exact: request.isExactStreamRecv(stream: stream), stream: stream)
                }

            case .recvfrom(let length, let flags):
                let size = length > 0 ? length : (stream ? state.otp.rcvbuf : 65536)
                let h = MessageHeader(receiving: [size], controlSize: 0, named: true, zeroed: request.isTrunc)
                guard case .done(let n) = try sysRecvMsg(fd, h.msg, flags | dontwait) else { return .wouldBlock }
                if n == 0 && stream && size > 0 { return .done(.error(.closed)) }
                return .done(.datagram(source: h.source, data: h.firstBytes(n)))

            case .recvmsg(let sizes, let controlSize, let flags):
                let h = MessageHeader(receiving: sizes.map { $0 > 0 ? $0 : state.otp.rcvbuf },
                                      controlSize: controlSize, named: !stream, zeroed: request.isTrunc)
                guard case .done(let n) = try sysRecvMsg(fd, h.msg, flags | dontwait) else { return .wouldBlock }
                if n == 0 && stream && h.capacity > 0 { return .done(.error(.closed)) }
                return .done(.message(h.received(count: n)))

            case .send(let data, let flags):
                return try Self.sendLoop(total: data.count, stream: stream) { (off: Int) throws(Errno) -> IOResult<Int> in
                    try withBytes(data) { (b: UnsafeRawBufferPointer) throws(Errno) -> IOResult<Int> in
                        try sysSend(fd, UnsafeRawBufferPointer(rebasing: b[off...]), flags | dontwait)
                    }
                }

            case .sendto(let data, var addr, let flags):
                let sent = try withBytes(data) { (b: UnsafeRawBufferPointer) throws(Errno) -> IOResult<Int> in
                    try sysSendTo(fd, b, flags | dontwait, &addr)
                }
                guard case .done(let n) = sent else { return .wouldBlock }
                return n == data.count || !stream ? .done(.sent(n)) : .partial(.sent(n))

            case .sendfile(let file, let offset, let count):
                guard case .done(let n) = try sysSendfile(fd, file, offset: offset, count: count) else { return .wouldBlock }
                // 0: the file has nothing more at the offset; the call is done.
                return n == count || n == 0 ? .done(.sent(n)) : .partial(.sent(n))

            case .sendmsg(let message, let addr, let flags):
                let total = message.count
                return try Self.sendLoop(total: total, stream: stream) { (off: Int) throws(Errno) -> IOResult<Int> in
                    // Control data goes with the first byte only: a resent remainder must not
                    // carry it again (descriptors would arrive twice).
                    let rest = Request.sendmsg(message, to: addr, flags: flags).advanced(by: off)
                    guard case .sendmsg(let m, _, _) = rest else { return .done(0) }
                    let h = MessageHeader(sending: m, to: addr)
                    return try sysSendMsg(fd, h.msg, flags | dontwait)
                }
            }
        } catch {
            return .done(.error(.errno(error)))
        }
    }

    /// The recv loop of ``attempt(_:_:_:)``: one recv, or for an exact stream read as many as
    /// it takes to fill `size` bytes or find the socket empty.
    private static func receive(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, size: Int, flags: Int32,
                                trunc: Bool, exact: Bool, stream: Bool) -> Attempt {
        if trunc { buffer.initializeMemory(as: UInt8.self, repeating: 0) }
        var count = 0
        var closedByPeer = false
        var wouldBlock = false
        var failure: Errno?
        repeat {
            let want = size - count
            let n: Int
            do throws(Errno) {
                let into = UnsafeMutableRawBufferPointer(rebasing: buffer[count..<(count + want)])
                guard case .done(let got) = try sysRecv(fd, into, flags) else {
                    wouldBlock = true
                    break
                }
                n = got
            } catch {
                // An error after some bytes (a reset) must not lose those bytes.
                failure = error
                break
            }
            if n == 0 && stream && want > 0 { closedByPeer = true; break }
            // MSG_TRUNC reports a datagram's real length, past the buffer's end.
            count += min(n, want)
            if !exact { break }
        } while count < size
        if wouldBlock && count == 0 { return .wouldBlock }
        let got = Array(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        if let failure {
            return .done(.error(.with(.errno(failure), partial: got)))
        }
        if closedByPeer {
            return .done(.error(.with(.closed, partial: got)))
        }
        if wouldBlock && exact { return .partial(.data(got)) }
        return .done(.data(got))
    }

    /// Sends until all `total` bytes are out or the socket would block. Datagram sends are
    /// one call.
    private static func sendLoop(total: Int, stream: Bool, _ send: (Int) throws(Errno) -> IOResult<Int>) throws(Errno) -> Attempt {
        var off = 0
        repeat {
            guard case .done(let n) = try send(off) else {
                return off == 0 ? .wouldBlock : .partial(.sent(off))
            }
            off += n
            if !stream { return .done(.sent(off)) }
        } while off < total
        return .done(.sent(off))
    }
}
