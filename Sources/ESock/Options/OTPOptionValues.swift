/// Values of the `otp`-level options that live in ESock, not in the kernel (kept in the
/// socket's state, under its lock).
struct OTPOptionValues {
    /// OTP's default `{otp, rcvbuf}`.
    static let defaultRcvbuf = 8192
    /// OTP's default `{otp, rcvctrlbuf}` and `{otp, sndctrlbuf}`.
    static let defaultCtrlBuf = 1024

    /// The length of `recv(length: 0)` buffers: `{otp, rcvbuf}` (for `{N, Size}`, N * Size).
    var rcvbuf = OTPOptionValues.defaultRcvbuf
    /// `{otp, rcvbuf}` as it was set, so getopt gives back `{N, Size}` in that form.
    var rcvbufSetting: OptionValue = .int(OTPOptionValues.defaultRcvbuf)
    var rcvctrlbuf = OTPOptionValues.defaultCtrlBuf
    var sndctrlbuf = OTPOptionValues.defaultCtrlBuf
    var debug = false
    var iow = false
    var meta: String = ""
}
