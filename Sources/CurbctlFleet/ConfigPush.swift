public import AgentRuntime
public import FoundationEssentials
import MQTTTransport

/// Sends a desired configuration and waits for the device's `config/reported` on that revision.
public enum ConfigPush {
    /// The desired-configuration document for `device` at `revision`, signed by `key` when given (valid for
    /// `validity`).
    public static func document(
        device: JSONValue, revision: Int, to identity: DeviceIdentity? = nil, signedBy key: OperatorKey? = nil,
        validity: Duration = .seconds(86_400), now: Date = Date()
    ) throws(FleetError) -> JSONValue {
        let unsigned: [String: JSONValue] = ["revision": .number(Double(revision)), "config": ["device": device]]
        guard let key, let identity else { return .object(unsigned) }
        let fields = try key.sign(
            topic: TopicScheme(identity: identity).configDesired, target: identity,
            name: SignedRequest.configurationName, id: "config-\(revision)-\(UInt32.random(in: 0...UInt32.max))",
            args: .object(unsigned), validity: validity, now: now)
        return .object(unsigned.merging(fields) { _, signed in signed })
    }

    /// Publishes the document (retained, as the contract says) and returns the device's report on `revision`, or
    /// nil when none came within `timeout`. `state` must come from ``ConfigurationState/fetch(_:on:)`` on the same
    /// connection (which subscribed to `config/reported`).
    public static func push(
        device: JSONValue, revision: Int, to identity: DeviceIdentity, on connection: FleetConnection,
        timeout: Duration, signedBy key: OperatorKey? = nil, validity: Duration = .seconds(86_400)
    ) async throws(FleetError) -> ConfigReport? {
        let topics = TopicScheme(identity: identity)
        let document = try document(
            device: device, revision: revision, to: identity, signedBy: key, validity: validity)
        let payload = JSONText.encode(document, pretty: false)
        try await connection.publish(
            MQTTMessage(topic: topics.configDesired, payload: Array(payload.utf8), qos: .atLeastOnce, retain: true))
        let deadline = ContinuousClock.now + timeout
        while let message = await connection.next(before: deadline) {
            guard message.topic == topics.configReported,
                let report = try? JSONDecoder().decode(ConfigReport.self, from: Data(message.payload)),
                report.revision == revision
            else { continue }
            return report
        }
        return nil
    }

    /// The exit status a report (or its absence) ends `curbctl config push` with.
    public static func exitStatus(of report: ConfigReport?) -> ExitStatus {
        switch report?.status {
        case .applied: .success
        case .rejected, .ignored: .rejected
        case .rolledBack: .failed
        case nil: .timeout
        }
    }
}
