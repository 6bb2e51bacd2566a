/// Bounding a wait: the operation runs in a child task and a timer beside it; whichever ends
/// first decides.
enum TimeLimit {
    private enum Outcome<T: Sendable>: Sendable {
        case value(T)
        case expired
    }

    /// Runs `operation`; once `limit` has passed without it finishing, calls `onTimeout`
    /// (what makes the operation end, such as killing the child it waits for), cancels it,
    /// waits for it to end and returns nil.
    static func run<T: Sendable>(_ limit: Duration, onTimeout: @escaping @Sendable () -> Void = {},
                                 _ operation: @escaping @Sendable () async -> T) async -> T? {
        await withTaskGroup(of: Outcome<T>.self) { group in
            group.addTask { .value(await operation()) }
            group.addTask {
                try? await Task.sleep(for: limit)
                return .expired
            }
            let first = await group.next() ?? .expired
            if case .value(let v) = first {
                group.cancelAll()
                return v
            }
            onTimeout()
            group.cancelAll()
            await group.waitForAll()
            return nil
        }
    }

    /// ``run(_:onTimeout:_:)`` for a throwing operation: its value or error, or nil on timeout
    /// (cancelling it is what stops it).
    static func result<T: Sendable>(_ limit: Duration,
                                    _ operation: @escaping @Sendable () async throws -> T) async -> Result<T, any Error>? {
        await run(limit) { () async -> Result<T, any Error> in
            do { return .success(try await operation()) } catch { return .failure(error) }
        }
    }
}
