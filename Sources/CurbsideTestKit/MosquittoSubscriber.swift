import Foundation

extension MosquittoBroker {
    /// Starts `mosquitto_sub -v` on `topics` and returns once its subscription is active — it has received a retained
    /// marker published for the purpose — so a test never sleeps a guessed time for SUBSCRIBE to reach the broker.
    /// Its output starts with the marker's line (`TOPIC ready`); the marker stays retained on the test's broker
    /// (clearing it would be one more message to the subscriber).
    ///
    /// - Parameters:
    ///   - count: exit after this many messages on `topics` (the marker is not counted); nil runs until `seconds`.
    ///   - seconds: `mosquitto_sub -W`: the longest it runs (a bound for a loaded machine; with `count` it ends at
    ///     the count).
    ///   - markerPrefix: where the marker goes; under an ACL, a prefix the credentials may publish and read.
    ///   - credentials: extra arguments for both the subscriber and the marker's publisher (`-u`, `-P`).
    public func subscriber(
        _ topics: [String], count: Int? = nil, seconds: Int = 60, markerPrefix: String = "curb-test/marker",
        credentials: [String] = []
    ) async throws -> SpawnedProcess {
        let marker = "\(markerPrefix)/\(UUID().uuidString.prefix(8))"
        let sent = try await ToolRun.run(
            "mosquitto_pub", ["-p", "\(port)", "-q", "1", "-r", "-t", marker, "-m", "ready"] + credentials)
        guard sent.status == 0 else { throw TestKitError("marker not published: \(sent.output)") }
        var arguments = ["-p", "\(port)", "-v", "-t", marker, "-W", "\(seconds)"]
        for topic in topics { arguments += ["-t", topic] }
        if let count { arguments += ["-C", "\(count + 1)"] }
        let subscriber = try SpawnedProcess("mosquitto_sub", arguments + credentials)
        let deadline = ContinuousClock.now + .seconds(30)
        while !subscriber.output.contains("\(marker) ready"), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        guard subscriber.output.contains("\(marker) ready") else {
            throw TestKitError("subscription to \(topics) not active within 30 s: \(subscriber.output)")
        }
        return subscriber
    }
}
