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
        let dontwait = Int32(MSG_DONTWAIT)
        state.counters.tried(request.direction)
        do throws(Errno) {
            switch request {
            case .accept:
                do throws(Errno) {
                    let nfd = try sysAccept(fd, nonblocking: nonblockingDescriptors)
                    return .done(accepted(fd: nfd, from: socket))
                } catch where error == .eagain {
                    return .wouldBlock
                }

            case .connect(var addr):
                do throws(Errno) {
                    try sysConnect(fd, &addr)
                    return .done(.ok)
                } catch where error == .einprogress || error == .ealready {
                    return .wouldBlock
                }

            case .recv(let length, let flags):
                let size = length > 0 ? length : (stream ? state.otp.rcvbuf : 65536)
                var got: [UInt8] = []
                var closedByPeer = false
                var wouldBlock = false
                // A stream read for N bytes takes what it can in a few tries; a length-0 read
                // or a datagram read is one recv.
                repeat {
                    let want = size - got.count
                    let (n, eagain) = try Self.recvInto(&got, fd: fd, count: want, flags: flags | dontwait)
                    if eagain { wouldBlock = true; break }
                    if n == 0 && stream && want > 0 { closedByPeer = true; break }
                    if !stream || length == 0 { break }
                } while got.count < size
                if closedByPeer {
                    return .done(.error(.with(.closed, partial: got)))
                }
                if wouldBlock && got.isEmpty { return .wouldBlock }
                if wouldBlock && length > 0 { return .partial(.data(got)) }
                return .done(.data(got))

            case .recvfrom(let length, let flags):
                let size = length > 0 ? length : (stream ? state.otp.rcvbuf : 65536)
                let h = MessageHeader(receiving: [size], controlSize: 0, named: true)
                do throws(Errno) {
                    let n = try sysRecvMsg(fd, h.msg, flags | dontwait)
                    if n == 0 && stream && size > 0 { return .done(.error(.closed)) }
                    return .done(.datagram(source: h.source, data: h.firstBytes(n)))
                } catch where error == .eagain {
                    return .wouldBlock
                }

            case .recvmsg(let sizes, let controlSize, let flags):
                let h = MessageHeader(receiving: sizes.map { $0 > 0 ? $0 : state.otp.rcvbuf },
                                      controlSize: controlSize, named: !stream)
                do throws(Errno) {
                    let n = try sysRecvMsg(fd, h.msg, flags | dontwait)
                    if n == 0 && stream && h.capacity > 0 { return .done(.error(.closed)) }
                    return .done(.message(h.received(count: n)))
                } catch where error == .eagain {
                    return .wouldBlock
                }

            case .send(let data, let flags):
                return try Self.sendLoop(total: data.count, stream: stream) { (off: Int) throws(Errno) -> Int in
                    try withBytes(data) { (b: UnsafeRawBufferPointer) throws(Errno) -> Int in
                        try sysSend(fd, UnsafeRawBufferPointer(rebasing: b[off...]), flags | dontwait)
                    }
                }

            case .sendto(let data, var addr, let flags):
                do throws(Errno) {
                    let n = try withBytes(data) { (b: UnsafeRawBufferPointer) throws(Errno) -> Int in
                        try sysSendTo(fd, b, flags | dontwait, &addr)
                    }
                    return n == data.count || !stream ? .done(.sent(n)) : .partial(.sent(n))
                } catch where error == .eagain {
                    return .wouldBlock
                }

            case .sendmsg(let message, let addr, let flags):
                let total = message.count
                return try Self.sendLoop(total: total, stream: stream) { (off: Int) throws(Errno) -> Int in
                    let rest = Request.sendmsg(message, to: addr, flags: flags).advanced(by: off)
                    guard case .sendmsg(let m, _, _) = rest else { return 0 }
                    let h = MessageHeader(sending: m, to: addr)
                    return try sysSendMsg(fd, h.msg, flags | dontwait)
                }
            }
        } catch {
            return .done(.error(.errno(error)))
        }
    }

    /// Receives up to `count` bytes and appends them; reports EAGAIN instead of throwing it.
    private static func recvInto(_ got: inout [UInt8], fd: Int32, count: Int, flags: Int32) throws(Errno) -> (Int, Bool) {
        let start = got.count
        var n = 0
        var eagain = false
        var failure: Errno?
        got.append(contentsOf: repeatElement(0, count: count))
        got.withUnsafeMutableBytes { b in
            do throws(Errno) {
                n = try sysRecv(fd, UnsafeMutableRawBufferPointer(rebasing: b[start...]), flags)
            } catch {
                if error == .eagain { eagain = true } else { failure = error }
            }
        }
        got.removeLast(count - n)
        if let failure { throw failure }
        return (n, eagain)
    }

    /// Sends until all `total` bytes are out or the socket would block. Datagram sends are
    /// one call.
    private static func sendLoop(total: Int, stream: Bool, _ send: (Int) throws(Errno) -> Int) throws(Errno) -> Attempt {
        var off = 0
        repeat {
            do throws(Errno) {
                off += try send(off)
            } catch where error == .eagain {
                return off == 0 ? .wouldBlock : .partial(.sent(off))
            }
            if !stream { return .done(.sent(off)) }
        } while off < total
        return .done(.sent(off))
    }

    /// Whether a pending connect has finished: ok, an error, or nil while still in progress.
    func connectProgress(_ socket: Socket) -> CompletionStatus? {
        do throws(Errno) {
            let e = try sysSocketError(socket.fileDescriptor)
            if e != 0 { return .error(.errno(Errno(rawValue: e))) }
            _ = try sysPeername(socket.fileDescriptor)
            return .ok
        } catch where error == .enotconn {
            return nil
        } catch {
            return .error(.errno(error))
        }
    }
}
