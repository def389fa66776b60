public import AgentRuntime
import ConfigSupport
import FoundationEssentials
public import MQTTTransport
import Yams

/// How `curbctl` reaches the broker: the same keys as a daemon's `mqtt` section (url, username, password_file, tls),
/// from the command line or from a profile in `$XDG_CONFIG_HOME/curbside/curbctl.yaml` (default
/// `~/.config/curbside/curbctl.yaml`):
///
/// ```yaml
/// default: city
/// profiles:
///   demo: {url: "mqtt://127.0.0.1:1883"}
///   city:
///     url: mqtts://broker.city.example:8883
///     username: operator
///     password_file: /home/ops/.config/curbside/city.password
///     tls: {ca_file: /etc/curbside/ca.pem}
/// ```
public struct BrokerSettings: Sendable, Hashable {
    /// The broker keys: url, username, password_file, tls, keepalive and the rest of a daemon's `mqtt` section.
    public var mqtt: AgentConfiguration.MQTT
    /// Where the settings came from, for messages (`profile city in /home/ops/.config/curbside/curbctl.yaml`).
    public var source: String

    /// Settings from `mqtt`, said to come from `source`.
    public init(mqtt: AgentConfiguration.MQTT, source: String) {
        self.mqtt = mqtt
        self.source = source
    }

    /// The broker URL as it may be printed.
    public var redactedURL: String { MQTTConfiguration.redacted(url: mqtt.url) }

    /// The profile file: `$XDG_CONFIG_HOME/curbside/curbctl.yaml`, or `$HOME/.config/curbside/curbctl.yaml`.
    public static func profileFile(environment: [String: String]) -> String {
        if let xdg = environment["XDG_CONFIG_HOME"], xdg.hasPrefix("/") { return "\(xdg)/curbside/curbctl.yaml" }
        return "\(environment["HOME"] ?? "/root")/.config/curbside/curbctl.yaml"
    }

    /// Reads profile `name` (nil: the file's `default`, or the only profile) from `file`; nil when no name was asked
    /// for and the file does not exist. Every problem is reported at once with its path.
    public static func profile(named name: String?, file: String) throws(FleetError) -> BrokerSettings? {
        guard FileManager.default.fileExists(atPath: file) else {
            guard let name else { return nil }
            throw FleetError(.invalidInput, detail: "profile \(name): \(file) does not exist")
        }
        let root: Node
        do {
            root = try YAMLDocument.load(file: file, what: "a curbctl profile mapping")
        } catch {
            throw FleetError(.invalidInput, detail: "\(error)")
        }
        var reader = NodeReader()
        guard let top = reader.object(root, at: .root, required: ["profiles"], optional: ["default"]) else {
            throw invalid(file, reader.issues)
        }
        let fallback = top["default"].flatMap { reader.string($0, at: JSONPath.root.appending("default")) }
        let profiles =
            top["profiles"].map { reader.entries($0, at: JSONPath.root.appending("profiles"), of: "profiles") } ?? []
        guard reader.issues.isEmpty else { throw invalid(file, reader.issues) }
        let names = profiles.map(\.name)
        guard let chosen = name ?? fallback ?? (names.count == 1 ? names[0] : nil) else {
            throw FleetError(
                .invalidInput,
                detail:
                    "\(file): several profiles (\(names.joined(separator: ", "))) and no default; choose one with --profile"
            )
        }
        guard let entry = profiles.first(where: { $0.name == chosen }) else {
            let hint = NearestMatch.suggestion(for: chosen, among: names).map { "; did you mean \"\($0)\"?" } ?? ""
            throw FleetError(
                .invalidInput,
                detail: "\(file): no profile \"\(chosen)\" (profiles: \(names.joined(separator: ", ")))\(hint)")
        }
        let path = JSONPath.root.appending("profiles").appending(chosen)
        guard
            let mqtt = AgentConfiguration.MQTT.section.read(
                &reader, entry.node, at: path, defaults: AgentConfiguration.MQTT(url: "")),
            reader.issues.isEmpty
        else { throw invalid(file, reader.issues) }
        let exposed = mqtt.exposedSecretFiles(at: path.description)
        guard exposed.isEmpty else { throw invalid(file, exposed) }
        return BrokerSettings(mqtt: mqtt, source: "profile \(chosen) in \(file)")
    }

    private static func invalid(_ file: String, _ issues: [ConfigIssue]) -> FleetError {
        FleetError(
            .invalidInput,
            detail: "\(file):\n" + YAMLDocument.inFileOrder(issues).map { "  \($0)" }.joined(separator: "\n"))
    }

    /// The client configuration: a fresh clean session under a unique client id (an operator's tool keeps no
    /// session on the broker), the profile's credentials.
    public func clientConfiguration(clientID: String) throws(FleetError) -> MQTTConfiguration {
        let password: String?
        do {
            password = try mqtt.password()
        } catch {
            throw FleetError(.invalidInput, broker: redactedURL, detail: "password file: \(error)")
        }
        do {
            return try MQTTConfiguration(
                url: mqtt.url, clientID: clientID, protocolVersion: mqtt.protocolVersion, tls: mqtt.tls,
                keepAlive: mqtt.keepAlive, cleanStart: true, sessionExpiry: .zero, username: mqtt.username,
                password: password, reconnectDelayMin: .milliseconds(200), reconnectDelayMax: .seconds(5))
        } catch {
            throw FleetError(.invalidInput, broker: redactedURL, detail: "\(error)")
        }
    }
}
