import ESock
import SystemPackage

extension SocketAPI {
    /// Wraps an existing socket descriptor (OTP's `open/1,2` with an `FD`), as
    /// `SocketAPI.open(descriptor:dup:options:)` does with a raw `Int32`.
    ///
    /// With `dup` (the default, as in OTP) ESock works on a duplicate and the caller still owns
    /// `descriptor`; with `dup: false` the socket owns it and closes it when it is closed.
    public func open(descriptor: FileDescriptor, dup: Bool = true,
                     options: OpenOptions = OpenOptions()) throws(SocketError) -> Socket {
        try open(descriptor: descriptor.rawValue, dup: dup, options: options)
    }
}
