import ConfigSupport
public import MQTTTransport
import Yams

/// The daemon's local configuration file: who it is, how it reaches the broker, which board and HAL backend it
/// drives, where it keeps state, and the device section its logic validates.
///
/// ```yaml
/// identity: {site: district-7, kind: streetlight, device: pole-0042}
/// mqtt:
///   url: mqtts://broker.city.example:8883
///   tls: {ca_file: /etc/curbside/ca.pem, cert_file: /etc/curbside/device.pem, key_file: /etc/curbside/device.key}
/// board: /usr/share/curbside/boards/raspberry-pi-4b.yaml
/// hal: {backend: linux}
/// state_dir: /var/lib/curbside/streetlightd
/// device: {...}
/// ```
/// Every key, its type, default and unit is in `Firmware-config/schema/agent-config.schema.json`.
public struct AgentConfiguration: Sendable, Hashable {
    public struct MQTT: Sendable, Hashable {
        public var url: String
        public var protocolVersion: MQTTConfiguration.ProtocolVersion = .v5
        /// Defaults to one derived from the identity (`curb-{site}-{kind}-{device}`).
        public var clientID: String?
        public var username: String?
        /// A file holding the password (first line), so the configuration itself carries no secret.
        public var passwordFile: String?
        public var tls = MQTTConfiguration.TLS()
        public var keepAlive: Duration = .seconds(30)
        public var sessionExpiry: Duration = .seconds(86_400)
        public var reconnectMin: Duration = .seconds(1)
        public var reconnectMax: Duration = .seconds(60)
    }

    /// How a daemon reaches its hardware: `linux`, the board's character devices and serial ports; `rig`, the
    /// virtual rig's simulated board over its control socket.
    public enum Backend: String, Sendable, Hashable, CaseIterable {
        case linux
        case rig
    }

    /// The `hal` section: which backend, and for `rig` where its control socket is.
    public struct HardwareAccess: Sendable, Hashable {
        public var backend: Backend
        /// The virtual rig's control socket, for `rig`.
        public var rigSocket: String?
    }

    public struct Commands: Sendable, Hashable {
        public var maxPayloadBytes = 64 * 1024
        public var duplicateWindow: Duration = .seconds(600)
    }

    public var identity: DeviceIdentity
    public var mqtt: MQTT
    /// Path of the board file (relative paths are resolved against the configuration file's folder).
    public var board: String
    public var hal: HardwareAccess
    public var stateDirectory: String
    public var commands = Commands()
    public var healthInterval: Duration = .seconds(60)
    /// How long a remotely applied configuration must stay healthy before it is persisted (else rolled back).
    public var remoteConfigHealthWindow: Duration = .seconds(10)
    /// The durable outbox's bounds and drain pace (`outbox:` section).
    public var outbox = Outbox()

    public struct Outbox: Sendable, Hashable {
        public var maxBytes = 64 << 20
        public var maxAge: Duration = .seconds(7 * 86_400)
        public var maxEntries = 200_000
        public var drainRatePerSecond = 200
    }
}

extension AgentConfiguration {
    /// Top-level keys; `device` belongs to the device logic.
    static let topKeys = (
        required: ["identity", "mqtt", "board", "hal", "state_dir"],
        optional: ["commands", "health", "outbox", "device"]
    )

    /// Reads the runtime sections of a configuration document, recording every problem in `reader`.
    static func decode(_ root: Node, reader: inout NodeReader) -> (AgentConfiguration?, device: Node?) {
        let path = JSONPath.root
        guard let top = reader.object(root, at: path, required: topKeys.required, optional: topKeys.optional) else {
            return (nil, nil)
        }
        let identity = top["identity"].flatMap { decodeIdentity($0, at: path.appending("identity"), &reader) }
        let mqtt = top["mqtt"].flatMap { decodeMQTT($0, at: path.appending("mqtt"), &reader) }
        let board = top["board"].flatMap {
            reader.string(
                $0, at: path.appending("board"), matching: { $0.hasSuffix(".yaml") }, what: "path of a board .yaml file"
            )
        }
        let hal = top["hal"].flatMap { decodeHAL($0, at: path.appending("hal"), &reader) }
        let stateDirectory = top["state_dir"].flatMap {
            reader.string($0, at: path.appending("state_dir"), matching: { $0.hasPrefix("/") }, what: "absolute path")
        }
        var commands = Commands()
        if let node = top["commands"],
            let keys = reader.object(
                node, at: path.appending("commands"), required: [],
                optional: ["max_payload_bytes", "duplicate_window_s"])
        {
            let here = path.appending("commands")
            if let value = keys["max_payload_bytes"].flatMap({
                reader.integer($0, at: here.appending("max_payload_bytes"), in: 256...1_048_576, unit: "bytes")
            }) {
                commands.maxPayloadBytes = value
            }
            if let value = keys["duplicate_window_s"].flatMap({
                reader.integer($0, at: here.appending("duplicate_window_s"), in: 1...86_400, unit: "s")
            }) {
                commands.duplicateWindow = .seconds(value)
            }
        }
        var healthInterval: Duration = .seconds(60)
        var configWindow: Duration = .seconds(10)
        if let node = top["health"],
            let keys = reader.object(
                node, at: path.appending("health"), required: [], optional: ["interval_s", "config_window_ms"])
        {
            if let value = keys["interval_s"].flatMap({
                reader.integer($0, at: path.appending("health").appending("interval_s"), in: 1...86_400, unit: "s")
            }) {
                healthInterval = .seconds(value)
            }
            if let value = keys["config_window_ms"].flatMap({
                reader.integer(
                    $0, at: path.appending("health").appending("config_window_ms"), in: 0...3_600_000, unit: "ms")
            }) {
                configWindow = .milliseconds(value)
            }
        }
        var outbox = Outbox()
        if let node = top["outbox"],
            let keys = reader.object(
                node, at: path.appending("outbox"), required: [],
                optional: ["max_bytes", "max_age_s", "max_entries", "drain_rate_per_s"])
        {
            let here = path.appending("outbox")
            if let value = keys["max_bytes"].flatMap({
                reader.integer($0, at: here.appending("max_bytes"), in: 65_536...(64 << 30), unit: "bytes")
            }) {
                outbox.maxBytes = value
            }
            if let value = keys["max_age_s"].flatMap({
                reader.integer($0, at: here.appending("max_age_s"), in: 60...(365 * 86_400), unit: "s")
            }) {
                outbox.maxAge = .seconds(value)
            }
            if let value = keys["max_entries"].flatMap({
                reader.integer($0, at: here.appending("max_entries"), in: 100...100_000_000)
            }) {
                outbox.maxEntries = value
            }
            if let value = keys["drain_rate_per_s"].flatMap({
                reader.integer($0, at: here.appending("drain_rate_per_s"), in: 1...100_000, unit: "messages/s")
            }) {
                outbox.drainRatePerSecond = value
            }
        }
        guard let identity, let mqtt, let board, let hal, let stateDirectory else { return (nil, top["device"]) }
        return (
            AgentConfiguration(
                identity: identity, mqtt: mqtt, board: board, hal: hal, stateDirectory: stateDirectory,
                commands: commands, healthInterval: healthInterval, remoteConfigHealthWindow: configWindow,
                outbox: outbox),
            top["device"]
        )
    }

    private static func decodeIdentity(_ node: Node, at path: JSONPath, _ reader: inout NodeReader)
        -> DeviceIdentity?
    {
        guard let keys = reader.object(node, at: path, required: ["site", "kind", "device"], optional: []) else {
            return nil
        }
        var values: [String: String] = [:]
        for key in ["site", "kind", "device"] {
            guard let child = keys[key], let text = reader.string(child, at: path.appending(key)) else { continue }
            do throws(IdentityError) {
                try DeviceIdentity.check(segment: text, named: key)
                values[key] = text
            } catch {
                reader.report(
                    .invalidValue, at: path.appending(key), expected: "a topic segment that \(error.reason)",
                    found: "\"\(text)\"", node: child)
            }
        }
        guard let site = values["site"], let kind = values["kind"], let device = values["device"] else { return nil }
        return try? DeviceIdentity(site: site, kind: kind, device: device)
    }

    private static func decodeMQTT(_ node: Node, at path: JSONPath, _ reader: inout NodeReader) -> MQTT? {
        guard
            let keys = reader.object(
                node, at: path, required: ["url"],
                optional: [
                    "protocol", "client_id", "username", "password_file", "tls", "keepalive_s", "session_expiry_s",
                    "reconnect_min_ms", "reconnect_max_ms",
                ])
        else { return nil }
        guard let urlNode = keys["url"], let url = reader.string(urlNode, at: path.appending("url")) else {
            return nil
        }
        do {
            _ = try MQTTConfiguration.parse(url: url)
        } catch {
            reader.report(
                .invalidValue, at: path.appending("url"), expected: "mqtt://host[:port] or mqtts://host[:port]",
                found: "\"\(url)\" (\(error.detail))", node: urlNode)
        }
        var mqtt = MQTT(url: url)
        if let value = keys["protocol"].flatMap({
            reader.choice($0, at: path.appending("protocol"), of: ProtocolName.self)
        }) {
            mqtt.protocolVersion = value == .v5 ? .v5 : .v311
        }
        mqtt.clientID = keys["client_id"].flatMap { reader.string($0, at: path.appending("client_id")) }
        mqtt.username = keys["username"].flatMap { reader.string($0, at: path.appending("username")) }
        mqtt.passwordFile = keys["password_file"].flatMap {
            reader.string(
                $0, at: path.appending("password_file"), matching: { $0.hasPrefix("/") }, what: "absolute path")
        }
        if let tls = keys["tls"],
            let files = reader.object(
                tls, at: path.appending("tls"), required: [], optional: ["ca_file", "cert_file", "key_file"])
        {
            let here = path.appending("tls")
            mqtt.tls.caFile = files["ca_file"].flatMap { reader.string($0, at: here.appending("ca_file")) }
            mqtt.tls.certificateFile = files["cert_file"].flatMap { reader.string($0, at: here.appending("cert_file")) }
            mqtt.tls.keyFile = files["key_file"].flatMap { reader.string($0, at: here.appending("key_file")) }
            if (mqtt.tls.certificateFile == nil) != (mqtt.tls.keyFile == nil) {
                reader.report(
                    .missingKey, at: here, expected: "cert_file and key_file together (mutual TLS)",
                    found: "only one of them", node: tls)
            }
        }
        if let seconds = keys["keepalive_s"].flatMap({
            reader.integer($0, at: path.appending("keepalive_s"), in: 5...3_600, unit: "s")
        }) {
            mqtt.keepAlive = .seconds(seconds)
        }
        if let seconds = keys["session_expiry_s"].flatMap({
            reader.integer($0, at: path.appending("session_expiry_s"), in: 0...4_294_967_295, unit: "s")
        }) {
            mqtt.sessionExpiry = .seconds(seconds)
        }
        if let ms = keys["reconnect_min_ms"].flatMap({
            reader.integer($0, at: path.appending("reconnect_min_ms"), in: 100...600_000, unit: "ms")
        }) {
            mqtt.reconnectMin = .milliseconds(ms)
        }
        if let ms = keys["reconnect_max_ms"].flatMap({
            reader.integer($0, at: path.appending("reconnect_max_ms"), in: 100...3_600_000, unit: "ms")
        }) {
            mqtt.reconnectMax = .milliseconds(ms)
        }
        if mqtt.reconnectMax < mqtt.reconnectMin, let node = keys["reconnect_max_ms"] {
            reader.report(
                .invalidValue, at: path.appending("reconnect_max_ms"), expected: "at least reconnect_min_ms",
                found: NodeReader.describe(node), node: node)
        }
        return mqtt
    }

    private enum ProtocolName: String, CaseIterable {
        case v5 = "5"
        case v311 = "3.1.1"
    }

    private static func decodeHAL(_ node: Node, at path: JSONPath, _ reader: inout NodeReader) -> HardwareAccess? {
        guard let keys = reader.object(node, at: path, required: ["backend"], optional: ["rig_socket"]) else {
            return nil
        }
        guard
            let backend = keys["backend"].flatMap({ reader.choice($0, at: path.appending("backend"), of: Backend.self) }
            )
        else { return nil }
        let socket = keys["rig_socket"].flatMap {
            reader.string($0, at: path.appending("rig_socket"), matching: { $0.hasPrefix("/") }, what: "absolute path")
        }
        if backend == .rig, keys["rig_socket"] == nil {
            reader.report(
                .missingKey, at: path.appending("rig_socket"), expected: "the rig's control socket for backend rig",
                found: "nothing", node: node)
        }
        return HardwareAccess(backend: backend, rigSocket: socket)
    }
}
