/// The queue rules both backends follow, written once: who may start an operation, who
/// waits behind whom, what a cancel of a queued caller does, and the connect states.
/// Each engine decides only when an operation starts, finishes and who is told.
extension Engine {
    /// The message info of a pending operation: `.completion` on uring, `.select` on poll.
    func pendingInfo(_ tag: OperationTag, _ handle: Handle) -> PendingInfo {
        kind == .uring ? .completion(CompletionInfo(tag: tag, handle: handle))
                       : .select(SelectInfo(tag: tag, handle: handle))
    }

    /// Refuses a call on a closed socket, and a receive or accept on a socket whose reads
    /// belong to a stream or accept loop.
    func checkOpen(_ st: borrowing SocketState, for d: Direction) throws(SocketError) {
        if st.closed { throw .closed }
        if st.stream != nil && d != .write { throw .invalid(.state) }
    }

    /// Queues `caller` behind the current operation of the request's direction when there is
    /// one (or anyone queued, or a cancelled operation still finishing): the call is pending.
    /// A caller already waiting in that direction is refused. Nil when the caller may start
    /// now.
    func queueIfBusy(_ socket: Socket, _ st: inout SocketState, _ request: Request, caller: Mailbox, handle: Handle,
                     deadline: ContinuousClock.Instant?) throws(SocketError) -> Begin? {
        let d = request.direction
        if st[d].contains(caller) { throw .invalid(.state) }
        guard st[d].isBusy else { return nil }
        caller.involve(socket)
        st[d].queued.append(st[d].makeWaiter(caller: caller, handle: handle, request: request, phase: .queued,
                                             deadline: deadline))
        st.counters.waited(d)
        return .pending(pendingInfo(request.tag, handle), partial: nil)
    }

    /// Removes `caller`'s queued operation `info` (one behind the current): true if it was
    /// there. Nothing of it was started, so nothing else is left to undo.
    func cancelQueued(_ st: inout SocketState, _ info: PendingInfo, caller: Mailbox) -> Bool {
        st[Direction(info.tag)].removeQueued(handle: info.handle, caller: caller) != nil
    }

    /// A connect is now under way.
    func connectStarted(_ st: inout SocketState) {
        st.writeStates.insert(.connecting)
    }

    /// A connect ended with `status` (or was cancelled, with nil): no longer connecting, and
    /// connected when it succeeded.
    func connectEnded(_ status: CompletionStatus?, _ st: inout SocketState) {
        st.writeStates.remove(.connecting)
        if case .ok? = status { st.writeStates.insert(.connected) }
    }
}
