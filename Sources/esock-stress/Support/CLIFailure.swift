import ArgumentParser
import ESock

/// A failure the operator can act on: printed as one line on stderr, exit code 1.
///
/// Commands throw this (never a raw ``SocketError``) for a busy port, a refused connection,
/// an unavailable backend and the like, so the message says what was being done.
struct CLIFailure: Error, CustomStringConvertible {
    let message: String

    init(_ message: String) { self.message = message }

    /// "`doing`: `error`", with the socket error in words.
    init(_ doing: String, _ error: SocketError) {
        self.message = "\(doing): \(Describe.socketError(error))"
    }

    var description: String { message }
}

/// Human wording for ESock's errors.
enum Describe {
    /// `eaddrinuse (Address already in use)`, `backend unavailable: ...`, `timeout`, ...
    static func socketError(_ error: SocketError) -> String {
        switch error {
        case .invalid(.backend(let why)): return why
        case .invalid(let what): return "invalid \(what)"
        case .partial(let reason, let data): return "\(socketError(reason)) (after \(data.count) bytes)"
        default: return error.description
        }
    }

    /// The short name used to group errors in reports (`econnreset`, `timeout`, ...).
    static func kind(_ error: SocketError) -> String {
        switch error.reason {
        case .errno(let e): return e.name
        case .invalid: return "invalid"
        case let other: return other.description
        }
    }
}

extension AsyncParsableCommand {
    /// Runs `body`; a ``CLIFailure`` (or any other error) becomes one line on stderr,
    /// prefixed with the command name, and exit code 1.
    func reportingFailures(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let e as ExitCode {
            throw e
        } catch let e as CLIFailure {
            Output.error("esock-stress \(Self._commandName): \(e.message)")
            throw ExitCode.failure
        } catch let e as SocketError {
            Output.error("esock-stress \(Self._commandName): \(Describe.socketError(e))")
            throw ExitCode.failure
        } catch {
            Output.error("esock-stress \(Self._commandName): \(error)")
            throw ExitCode.failure
        }
    }
}

extension Backend: ExpressibleByArgument {}

/// Opening the socket API for a backend, with a reason the operator can act on.
enum Backends {
    /// The API for `backend` (nil: `ESOCK_BACKEND`, else auto).
    static func api(_ backend: Backend?, loops: Int? = nil) throws(CLIFailure) -> any SocketAPI {
        let b = backend ?? .processDefault
        do {
            return try socketAPI(b, loops: loops)
        } catch {
            throw CLIFailure("backend \(b.rawValue) is unavailable", error)
        }
    }
}
