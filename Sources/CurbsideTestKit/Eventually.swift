/// Polls `probe` until `accept` holds or `timeout` passes, and returns the last value read, for tests that wait on a
/// condition instead of sleeping a guessed time (a loaded 2-core machine makes every guess too short some day).
/// The caller asserts on the returned value, so a timeout shows what was last seen.
public func eventually<Value>(
    within timeout: Duration = .seconds(5), every interval: Duration = .milliseconds(20),
    _ probe: () async throws -> Value, until accept: (Value) -> Bool
) async throws -> Value {
    let deadline = ContinuousClock.now + timeout
    var value = try await probe()
    while !accept(value), ContinuousClock.now < deadline {
        try await Task.sleep(for: interval)
        value = try await probe()
    }
    return value
}

/// Polls `condition` until it holds or `timeout` passes; returns whether it held (the caller asserts on it).
public func waitUntil(
    _ timeout: Duration = .seconds(20), every interval: Duration = .milliseconds(50),
    _ condition: () async throws -> Bool
) async throws -> Bool {
    try await eventually(within: timeout, every: interval, condition, until: { $0 })
}
