import Foundation

extension MosquittoBroker {
    /// Reads `topic` with one-shot `mosquitto_sub -C 1` runs (a retained message comes at once, else the next one
    /// published) until `accept` takes what one printed or `timeout` passes, and returns the last output; the caller
    /// asserts on it. Meant for a state that must come (a retained `online`): each run waits at most 5 s, so a stale
    /// retained message is read again soon, and the wait ends as soon as the state is there.
    ///
    /// - Parameters:
    ///   - arguments: extra `mosquitto_sub` arguments (`-u`/`-P`, `--cafile`, `-h`).
    ///   - timeout: how long the state may take to come; generous, for a loaded machine.
    public func read(
        _ topic: String, arguments: [String] = [], within timeout: Duration = .seconds(60),
        until accept: (String) -> Bool
    ) async throws -> String {
        try await eventually(within: timeout, every: .milliseconds(50)) {
            try await ToolRun.run(
                "mosquitto_sub", ["-p", "\(port)", "-t", topic, "-C", "1", "-W", "5"] + arguments,
                timeout: .seconds(60)
            ).output
        } until: {
            accept($0)
        }
    }
}

extension MosquittoBroker {
    /// ``read(_:arguments:within:until:)`` for a JSON object: the first one `accept` takes, or nil when none came
    /// within `timeout`.
    public func readObject(
        _ topic: String, arguments: [String] = [], within timeout: Duration = .seconds(60),
        until accept: ([String: Any]) -> Bool
    ) async throws -> [String: Any]? {
        func object(_ text: String) -> [String: Any]? {
            try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        }
        let last = try await read(topic, arguments: arguments, within: timeout) { object($0).map(accept) ?? false }
        return object(last).flatMap { accept($0) ? $0 : nil }
    }
}
