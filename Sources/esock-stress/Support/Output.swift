import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writing to stdout and stderr, unbuffered where another process waits for the line.
enum Output {
    /// Prints `line` on stdout and flushes, so a parent reading the pipe sees it at once.
    static func line(_ line: String) {
        write(line + "\n", to: STDOUT_FILENO)
    }

    /// Prints `line` on stderr.
    static func error(_ line: String) {
        write(line + "\n", to: STDERR_FILENO)
    }

    /// Writes all of `text` to descriptor `fd` (no stdio buffer to flush or to share
    /// between threads).
    private static func write(_ text: String, to fd: Int32) {
        var bytes = Array(text.utf8)
        var at = 0
        while at < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.write(fd, $0.baseAddress! + at, $0.count - at) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            at += n
        }
    }

    /// Whether stderr is a terminal (live progress goes there only then).
    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// `value` as JSON text with sorted keys; one line unless `pretty`.
    static func json<T: Encodable>(_ value: T, pretty: Bool = false) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
                                          : [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        guard let data = try? encoder.encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
