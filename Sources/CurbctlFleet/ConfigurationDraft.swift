public import AgentRuntime
import ConfigSupport
import FoundationEssentials
import MQTTTransport
import Yams

/// The `device` section an operator wants a device to run, from a file: a daemon configuration file (its `device`
/// section; identity, broker and the rest stay the device's own), a desired-configuration document
/// (`{revision, config: {device: …}}`; its revision is not used), or a bare `device` section. YAML or JSON.
public struct ConfigurationDraft: Sendable, Hashable {
    /// The `device` section to send.
    public var device: JSONValue
    /// The identity the file names, when it is a daemon configuration file.
    public var identity: DeviceIdentity?
    /// Where it was read from.
    public var file: String

    /// Reads `file` (YAML or JSON); a file that does not parse is an error with its line.
    public static func load(file: String) throws(FleetError) -> ConfigurationDraft {
        let root: Node
        do {
            root = try YAMLDocument.load(file: file, what: "a configuration mapping")
        } catch {
            throw FleetError(.invalidInput, detail: "\(error)")
        }
        let document = YAMLJSON.value(of: root)
        guard case .object(let top) = document else {
            throw FleetError(.invalidInput, detail: "\(file): expected a mapping, got \(document.typeName)")
        }
        var identity: DeviceIdentity?
        if case .object(let keys)? = top["identity"], let site = keys["site"]?.stringValue,
            let kind = keys["kind"]?.stringValue, let device = keys["device"]?.stringValue
        {
            identity = try? DeviceIdentity(site: site, kind: kind, device: device)
        }
        if let device = top["device"] {
            return ConfigurationDraft(device: device, identity: identity, file: file)
        }
        if case .object(let config)? = top["config"], let device = config["device"] {
            return ConfigurationDraft(device: device, identity: nil, file: file)
        }
        return ConfigurationDraft(device: document, identity: nil, file: file)
    }
}

/// What the broker holds about a device's configuration: the retained `config/desired`, `config/reported` and
/// `status`.
public struct ConfigurationState: Sendable, Hashable {
    /// The retained `config/desired` document.
    public var desired: JSONValue?
    /// The retained `config/reported` document.
    public var reported: ConfigReport?
    /// The retained `status` document.
    public var status: JSONValue?

    /// Reads the retained documents of `identity` (subscribes and syncs on `connection`).
    public static func fetch(_ identity: DeviceIdentity, on connection: FleetConnection) async throws(FleetError)
        -> ConfigurationState
    {
        let topics = TopicScheme(identity: identity)
        try await connection.subscribe([topics.configDesired, topics.configReported, topics.status])
        try await connection.sync()
        var state = ConfigurationState()
        while let message = await connection.next(before: .now) {
            guard !message.payload.isEmpty else { continue }
            switch message.topic {
            case topics.configDesired: state.desired = JSONText.decode(message.payload)
            case topics.configReported:
                state.reported = try? JSONDecoder().decode(ConfigReport.self, from: Data(message.payload))
            case topics.status: state.status = JSONText.decode(message.payload)
            default: break
            }
        }
        return state
    }

    /// The `device` section of the retained desired configuration.
    public var desiredDevice: JSONValue? {
        if case .object(let config)? = desired?["config"] { return config["device"] }
        return nil
    }

    /// The revision the device runs.
    public var activeRevision: Int {
        max(reported?.activeRevision ?? 0, status?["config_revision"]?.intValue ?? 0)
    }

    /// A revision above every one the device has seen (applied, refused or desired), so it is not `ignored`.
    public var nextRevision: Int {
        max(activeRevision, reported?.revision ?? 0, desired?["revision"]?.intValue ?? 0) + 1
    }
}
