/// Socket monitors: OTP's `socket:monitor/1`, `cancel_monitor/1`, `which_monitors/1`,
/// `monitored_by/1` and `number_of_monitors/0,1`. They work the same on every backend.
///
/// A monitor tells its caller once, with ``SocketMessage/down(_:_:_:)``, that a socket
/// closed. Any number of callers may monitor a socket, and one caller may monitor it more
/// than once (each monitor has its own reference and its own message).
extension SocketAPI {
    /// Starts monitoring `socket` for `caller` and returns the monitor's reference. When the
    /// socket closes, `caller` gets `.down(socket, reference, .closed)`; if it is closed
    /// already, the message comes at once.
    ///
    /// The mailbox is held weakly: a caller that no longer exists is not kept alive by its
    /// monitors and is told nothing.
    @discardableResult
    public func monitor(_ socket: Socket, caller: Mailbox) -> Handle {
        MonitorTable.shared.add(socket, caller: caller)
    }

    /// Stops the monitor `reference`: true if it was active, false if it was not (already
    /// cancelled, or its `down` message already sent), as OTP's `cancel_monitor/1`.
    ///
    /// A `down` message already sent stays in the caller's mailbox.
    @discardableResult
    public func cancelMonitor(_ reference: Handle) -> Bool {
        MonitorTable.shared.remove(reference) != nil
    }

    /// The references of the active monitors of `socket` (OTP's `which_monitors(Socket)`).
    public func whichMonitors(_ socket: Socket) -> [Handle] {
        MonitorTable.shared.references(of: socket)
    }

    /// The sockets `caller` monitors (OTP's `which_monitors(Pid)`).
    public func whichMonitors(caller: Mailbox) -> [Socket] {
        MonitorTable.shared.sockets(monitoredBy: caller)
    }

    /// The callers monitoring `socket`, each once (OTP's `monitored_by/1`).
    public func monitoredBy(_ socket: Socket) -> [Mailbox] {
        MonitorTable.shared.callers(of: socket)
    }

    /// The number of active socket monitors in the process (OTP's `number_of_monitors/0`).
    public func numberOfMonitors() -> Int {
        MonitorTable.shared.number()
    }

    /// The number of socket monitors `caller` holds (OTP's `number_of_monitors/1`).
    public func numberOfMonitors(caller: Mailbox) -> Int {
        MonitorTable.shared.number(of: caller)
    }
}
