/// `sendfile`: a file's bytes to a stream socket through the kernel (OTP's `sendfile/2..5`).
extension ESockAPI {
    public func sendfile(_ socket: Socket, file: Int32, offset: Int, count: Int,
                         timeout: Timeout) async throws(SocketError) -> Int {
        let request = try Self.sendfileRequest(socket, file: file, offset: offset, count: count)
        guard case .sendfile(_, _, let n) = request, n > 0 else { return 0 }
        guard case .sent(let sent) = try await socket.engine.perform(socket, request, timeout: timeout) else {
            throw .invalid(.state)
        }
        return sent
    }

    public func sendfile(_ socket: Socket, file: Int32, offset: Int, count: Int, nowait caller: Mailbox,
                         handle: Handle?) throws(SocketError) -> Nowait<Int> {
        let request = try Self.sendfileRequest(socket, file: file, offset: offset, count: count)
        guard case .sendfile(_, _, let n) = request, n > 0 else { return .ok(0) }
        switch try socket.engine.begin(socket, request, caller: caller, handle: handle, deadline: nil) {
        case .done(.sent(let sent)): return .ok(sent)
        case .done(.error(let e)): throw e
        case .done: throw .invalid(.state)
        case .pending(.select(let i), let partial): return .select(i, partial: partial?.sentCount)
        case .pending(.completion(let i), let partial): return .completion(i, partial: partial?.sentCount)
        }
    }

    /// Checks a sendfile call and makes its request: a stream socket, a file that is open,
    /// an offset and count not negative; count 0 means to the end of the file.
    private static func sendfileRequest(_ socket: Socket, file: Int32, offset: Int,
                                        count: Int) throws(SocketError) -> Request {
        guard socket.type == .stream else { throw .invalid(.operation("sendfile needs a stream socket")) }
        guard offset >= 0 else { throw .invalid(.argument("offset \(offset) is negative")) }
        guard count >= 0 else { throw .invalid(.argument("count \(count) is negative")) }
        let size: Int
        do throws(Errno) {
            size = try sysFileSize(file)
        } catch {
            throw .errno(error)
        }
        socket.state.withLock { $0.counters.sendfile += 1 }
        return .sendfile(file: file, offset: offset, count: count > 0 ? count : Swift.max(size - offset, 0))
    }
}

extension CompletionStatus {
    /// The count of a `.sent` status.
    var sentCount: Int? {
        if case .sent(let n) = self { return n }
        return nil
    }
}
