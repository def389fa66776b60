public import AgentRuntime
import MQTTTransport

/// How `curbctl` names a device: `site/kind/id`, or an id alone when exactly one device on the broker has it.
public struct DeviceAddress: Sendable, Hashable, CustomStringConvertible {
    /// The site, when given (`site/kind/id`).
    public var site: String?
    /// The kind, when given (`site/kind/id`).
    public var kind: String?
    /// The device id.
    public var device: String

    /// `site/kind/id` or `id`; anything else is a usage error naming the forms.
    public init(parsing text: String) throws(FleetError) {
        let segments = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        switch segments.count {
        case 1:
            device = segments[0]
        case 3:
            site = segments[0]
            kind = segments[1]
            device = segments[2]
        default:
            throw FleetError(.invalidInput, detail: "\"\(text)\": a device is site/kind/id or a unique id")
        }
        do {
            _ = try DeviceIdentity(site: site ?? "x", kind: kind ?? "x", device: device)
        } catch {
            throw FleetError(.invalidInput, detail: "\"\(text)\": \(error)")
        }
    }

    /// As given: `site/kind/id` or `id`.
    public var description: String {
        if let site, let kind { return "\(site)/\(kind)/\(device)" }
        return device
    }

    /// The identity: at once for `site/kind/id`; for an id, from the retained `status` documents on the broker.
    public func resolve(on connection: FleetConnection) async throws(FleetError) -> DeviceIdentity {
        if let site, let kind {
            do {
                return try DeviceIdentity(site: site, kind: kind, device: device)
            } catch {
                throw FleetError(.invalidInput, detail: "\(description): \(error)")
            }
        }
        let found = try await FleetSurvey.run(on: connection, device: device, listen: .zero).map(\.identity)
        switch found.count {
        case 1: return found[0]
        case 0:
            throw FleetError(
                .unknownDevice, broker: connection.broker,
                detail: "no device with id \"\(device)\" has a retained status (try `curbctl devices`)")
        default:
            throw FleetError(
                .unknownDevice, broker: connection.broker,
                detail: "id \"\(device)\" is ambiguous: \(found.map(\.description).joined(separator: ", ")); "
                    + "give site/kind/id")
        }
    }
}

/// The devices the broker knows: their retained `status`, `state` and `config/reported`, and optionally what they
/// publish during a short listen (for "last seen").
public enum FleetSurvey {
    /// - Parameters:
    ///   - site, kind, device: topic segments, `+` for any.
    ///   - listen: how long to listen to telemetry and events after the retained documents.
    public static func run(
        on connection: FleetConnection, site: String = "+", kind: String = "+", device: String = "+",
        listen: Duration
    ) async throws(FleetError) -> [DeviceRecord] {
        let prefix = "\(TopicScheme.root)/\(site)/\(kind)/\(device)"
        var filters = ["\(prefix)/status", "\(prefix)/state", "\(prefix)/config/reported"]
        if listen > .zero { filters += ["\(prefix)/telemetry/+", "\(prefix)/event/+"] }
        try await connection.subscribe(filters)
        try await connection.sync()
        var records: [DeviceIdentity: DeviceRecord] = [:]
        let deadline = ContinuousClock.now + listen
        while let message = await connection.next(before: deadline) {
            guard let topic = DeviceTopic(message.topic), !message.payload.isEmpty else { continue }
            records[topic.identity, default: DeviceRecord(identity: topic.identity)]
                .take(topic.part, JSONText.decode(message.payload))
        }
        // A device known only from live traffic (no retained status) is listed too: it is there, just unannounced.
        return records.values.sorted { $0.identity.description < $1.identity.description }
    }
}
