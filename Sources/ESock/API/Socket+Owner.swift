/// A socket's owner: OTP's controlling process.
extension Socket {
    /// The caller that owns the socket (OTP's `{otp, controlling_process}`), nil if none.
    /// Sockets opened with ``OpenOptions/owner`` start with that owner; a connection
    /// accepted by a caller's `nowait` accept is owned by that caller; an awaiting accept
    /// gives the connection the listener's owner.
    public var owner: Mailbox? { state.withLock { $0.owner } }

    /// Hands the socket to `newOwner` if `caller` owns it (or nobody does).
    func transferOwnership(to newOwner: Mailbox, by caller: Mailbox?) throws(SocketError) {
        try state.withLock { st throws(SocketError) in
            if st.closed { throw .closed }
            if let current = st.owner, current !== caller { throw .invalid(.notOwner) }
            if newOwner.isEnded { throw .invalid(.argument("the new owner \(newOwner) has ended")) }
            if st.owner === newOwner { return }
            st.owner?.disown(self)
            st.owner = newOwner
            newOwner.own(self)
        }
    }

    /// A connection accepted for `caller` went back to the listener unread (a cancel took its
    /// message back): it belongs to the listener's owner again until someone accepts it.
    func handedBack(by caller: Mailbox, to listenerOwner: Mailbox?) {
        state.withLock { st in
            guard st.owner === caller else { return }
            caller.disown(self)
            st.owner = listenerOwner
            listenerOwner?.own(self)
        }
    }

    /// A caller's own accept returned this connection: the caller owns it.
    func acceptedBy(_ caller: Mailbox) {
        guard !caller.isPrivate else { return }
        state.withLock { st in
            guard !st.closed, st.owner !== caller else { return }
            st.owner?.disown(self)
            st.owner = caller
            caller.own(self)
        }
    }
}

extension SocketAPI {
    /// Makes `newOwner` the socket's owner: OTP's
    /// `setopt(Socket, {otp, controlling_process}, Pid)`. Only the current owner may do
    /// this (`caller`); others get `invalid(notOwner)`, as in OTP. A socket with no owner may
    /// be claimed by any caller. Throws `closed` on a closed socket.
    public func setOwner(_ socket: Socket, to newOwner: Mailbox, caller: Mailbox?) throws(SocketError) {
        try socket.transferOwnership(to: newOwner, by: caller)
    }
}
