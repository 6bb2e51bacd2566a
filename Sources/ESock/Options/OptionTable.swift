#if canImport(Glibc)
import Glibc
#endif

/// One row of the option table: the seed's tables as data.
struct OptionSpec: Sendable {
    enum Kind: Sendable { case bool, int, string, linger, domain, type, `protocol`, ipv4, bufferSize, microseconds }
    /// Where the value lives: in the kernel (level/name for get/setsockopt) or in ESock.
    enum Storage: Sendable { case kernel(Int32, Int32), esock }

    let option: SocketOption
    let kind: Kind
    let settable: Bool
    let gettable: Bool
    let storage: Storage
    /// Requirements OTP itself checks; others are left to the OS.
    var types: Set<SocketType>? = nil
    var domains: Set<Domain>? = nil
    var protocols: Set<SocketProtocol>? = nil
    /// Available only in builds with the `RcvSndTimeo` trait.
    var needsRcvSndTimeo = false
}

/// The option table and the checks made against it before the kernel is asked.
enum OptionTable {
    static let rows: [SocketOption: OptionSpec] = {
        var t: [SocketOption: OptionSpec] = [:]
        for r in OptionRows.all { t[r.option] = r }
        return t
    }()

    /// The row for `option` after checking that the call may use it on `socket`.
    static func spec(_ option: SocketOption, for socket: Socket, setting: Bool) throws(SocketError) -> OptionSpec {
        guard let spec = rows[option] else { throw option.invalid }
        #if !RcvSndTimeo
        if spec.needsRcvSndTimeo { throw option.invalid }
        #endif
        guard setting ? spec.settable : spec.gettable else { throw option.invalid }
        if let t = spec.types, !t.contains(socket.type) { throw option.invalid }
        if let d = spec.domains, !d.contains(socket.domain) { throw option.invalid }
        if let p = spec.protocols, !p.contains(socket.protocol) {
            // OTP answers enotsup for an option of another protocol's level (sctp on TCP).
            throw .errno(.enotsup)
        }
        return spec
    }

    /// Whether this build and kernel support `option` on a socket of this kind: the row
    /// exists and the kernel answers getsockopt for it (where it can be read).
    static func isSupported(_ option: SocketOption) -> Bool {
        guard let spec = rows[option] else { return false }
        #if !RcvSndTimeo
        if spec.needsRcvSndTimeo { return false }
        #endif
        if option.level == .sctp { return SCTPSupport.available }
        return true
    }
}

/// Whether this kernel has SCTP.
enum SCTPSupport {
    static let available: Bool = {
        let fd = socket(AF_INET, SocketType.seqpacket.raw | sockCloexec, Int32(IPPROTO_SCTP))
        if fd >= 0 { close(fd); return true }
        return false
    }()
}
