/// The option table and the checks made against it before the kernel is asked.
///
/// The checks are the ones OTP makes itself: the name is known and exists on this platform
/// and build, the call's direction is allowed (get-only, set-only), and, for the few rows
/// marked `checked`, the socket's kind. Each failure is `invalid(socketOption(level, name))`.
/// The value's shape is checked by ``OptionCodec`` (or by the `otp` handlers). Everything
/// else (type, domain, protocol, privileges, socket state) is the kernel's to refuse, with
/// the errno it gives: OTP 25 accepts `socket.broadcast` on a TCP socket, and answers
/// `enotsup` for `sctp.nodelay` on one because Linux does.
enum OptionTable {
    /// The rows by option.
    static let rows: [SocketOption: OptionSpec] = {
        var t: [SocketOption: OptionSpec] = [:]
        for r in OptionRows.all {
            precondition(t[r.option] == nil, "option table: \(r.option) appears twice")
            t[r.option] = r
        }
        return t
    }()

    /// The row for `option` after checking that the call may use it on `socket`.
    static func spec(_ option: SocketOption, for socket: Socket, setting: Bool) throws(SocketError) -> OptionSpec {
        guard let spec = rows[option], spec.isAvailable else { throw option.invalid }
        guard setting ? spec.settable : spec.gettable else { throw option.invalid }
        if spec.requires.checked && !spec.requires.admits(socket) { throw option.invalid }
        return spec
    }
}
