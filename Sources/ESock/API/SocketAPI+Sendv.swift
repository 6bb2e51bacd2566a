/// `sendv`: several buffers sent as one on a connected socket (OTP's `sendv/2,3`, with
/// OTP 27's rest of the I/O vector).
extension SocketAPI {
    /// Sends every buffer of `iov`, in order, on a connected socket, waiting up to `timeout`.
    /// On a stream any number of buffers goes out (`iov_max` per kernel call); a datagram or
    /// record takes at most `iov_max` (``SocketAPI/info()``'s `iovMax`), else
    /// `invalid(argument)`. A timeout after part went out carries the unsent rest, flattened
    /// (``SocketError/unsent(of:)``).
    public func sendv(_ socket: Socket, _ iov: [[UInt8]], timeout: Timeout = .infinity) async throws(SocketError) {
        try await sendmsg(socket, OutgoingMessage(iov: iov), flags: [], timeout: timeout)
    }

    /// Sends `iov` without blocking, at most `iov_max` buffers per call as OTP does. The result
    /// carries what is left of the vector:
    /// - `.ok([])`: all sent; `.ok(rest)`: the first `iov_max` buffers went out, call again
    ///   with `rest` (OTP's `{ok, RestIOV}`);
    /// - `.select(info, partial: rest)` (poll): part went out, call again with `rest` after
    ///   `select` (OTP's `{select, {SelectInfo, RestIOV}}`); `partial` nil: nothing went out;
    /// - `.completion(info, partial: rest)` (uring): when the completion comes, the first
    ///   `iov_max` buffers have gone out (its count is what the kernel wrote after the call
    ///   returned); `rest`, if any, is what is left to send after it.
    public func sendv(_ socket: Socket, _ iov: [[UInt8]], nowait caller: Mailbox,
                      handle: Handle? = nil) throws(SocketError) -> Nowait<[[UInt8]]> {
        let buffers = iov.filter { !$0.isEmpty }
        let now = Array(buffers.prefix(iovMax)), later = Array(buffers.dropFirst(iovMax))
        switch try sendmsg(socket, OutgoingMessage(iov: now), flags: [], nowait: caller, handle: handle) {
        case .ok:
            return .ok(later)
        case .select(let info, let written):
            return .select(info, partial: written.map { OutgoingMessage.rest(of: now, after: $0) + later })
        case .completion(let info, _):
            return .completion(info, partial: later.isEmpty ? nil : later)
        }
    }
}

extension OutgoingMessage {
    /// The buffers of `iov` left after its first `n` bytes went out (the first one cut).
    public static func rest(of iov: [[UInt8]], after n: Int) -> [[UInt8]] {
        var skip = n
        var out: [[UInt8]] = []
        for b in iov {
            if skip >= b.count { skip -= b.count; continue }
            out.append(skip > 0 ? Array(b.dropFirst(skip)) : b)
            skip = 0
        }
        return out
    }
}
