public import ConfigSupport
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
/// Every key, its type, default and unit is declared once in ``section``, from which
/// `Firmware-config/schema/agent-config.schema.json` is generated.
public struct AgentConfiguration: Sendable, Hashable {
    public struct MQTT: Sendable, Hashable {
        public var url: String
        public var protocolVersion: MQTTConfiguration.ProtocolVersion = .v5
        /// Defaults to one derived from the identity (`curb-{site}~{kind}~{device}`).
        public var clientID: String?
        public var username: String?
        /// A file holding the password (first line), so the configuration itself carries no secret.
        public var passwordFile: String?
        public var tls = MQTTConfiguration.TLS()
        public var keepAlive: Duration = .seconds(30)
        public var sessionExpiry: Duration = .seconds(86_400)
        public var reconnectMin: Duration = .seconds(1)
        public var reconnectMax: Duration = .seconds(60)

        /// The defaults, with `url`.
        public init(url: String) { self.url = url }
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
        /// Commands running at once; more are answered `busy` at once instead of piling up tasks.
        public var maxConcurrent = 16
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
    /// Signed commands and configuration (`security:` section, local only); not configured when absent.
    public var security = SecuritySettings()

    public struct Outbox: Sendable, Hashable {
        public var maxBytes = 64 << 20
        public var maxAge: Duration = .seconds(7 * 86_400)
        public var maxEntries = 200_000
        public var drainRatePerSecond = 200
    }
}

extension AgentConfiguration {
    /// The runtime sections, each key declared once: read from YAML here and written into
    /// `Firmware-config/schema/agent-config.schema.json` (`make schemas`), defaults from the structs' own.
    public static var section: ConfigSection<AgentConfiguration> {
        ConfigSection(
            doc:
                "The runtime sections every daemon shares. The device section is defined by each daemon's own schema. "
                + "`<daemon> --config FILE --check-config` validates a file with path-precise errors.",
            keys: [
                identityKey.required(),
                .section("mqtt", \.mqtt, MQTT.section).required(),
                .string(
                    "board", \.board, what: "path of a board .yaml file", pattern: "\\.yaml$",
                    doc:
                        "Path of the board file (relative to this file's folder), e.g. ../../Boards/raspberry-pi-4b.yaml."
                ).required(),
                .section("hal", \.hal, HardwareAccess.section).required(),
                .string(
                    "state_dir", \.stateDirectory, what: "absolute path", pattern: "^/",
                    doc: "Absolute path where the daemon keeps state (applied configuration, outbox, counters)."
                ).required(),
                .section("commands", \.commands, Commands.section),
                .section("health", \.self, healthSection),
                .section("outbox", \.outbox, Outbox.section),
                .section("security", \.security, SecuritySettings.section),
                ConfigKey(
                    "device", doc: "The daemon's own section (see its schema).",
                    keywords: { _ in [SchemaJSON.Member("type", .string("object"))] },
                    read: { _, _, _, _ in }),
            ])
    }

    /// The JSON Schema of this section, as `make schemas` writes it.
    public static var schema: SchemaJSON {
        section.document(
            id: "https://curbside.example/schema/v1/agent-config.schema.json",
            title: "Curbside daemon configuration file (YAML)",
            defaults: unset)
    }

    /// Reads the runtime sections of a configuration document, recording every problem in `reader`; the `device`
    /// node goes to the device logic.
    static func decode(_ root: Node, reader: inout NodeReader) -> (AgentConfiguration?, device: Node?) {
        var configuration = unset
        let issuesBefore = reader.issues.count
        guard let found = section.read(&reader, root, at: .root, into: &configuration) else { return (nil, nil) }
        return (reader.issues.count == issuesBefore ? configuration : nil, found.keys["device"])
    }

    /// What reading starts from: the structs' defaults, and placeholders in the required keys, which the reader
    /// reports when absent, so a placeholder never leaves `decode`.
    private static var unset: AgentConfiguration {
        let identity: DeviceIdentity
        do {
            identity = try DeviceIdentity(site: "unset", kind: "unset", device: "unset")
        } catch {
            preconditionFailure("placeholder identity rejected: \(error)")
        }
        return AgentConfiguration(
            identity: identity, mqtt: MQTT(url: ""), board: "", hal: HardwareAccess(backend: .linux), stateDirectory: ""
        )
    }

    /// Topic segments are checked by `DeviceIdentity` (whose reasons the messages quote); the schema says the same
    /// rule as a pattern.
    private static var identityKey: ConfigKey<AgentConfiguration> {
        let segments = [
            ("site", "Site or district, e.g. district-7."), ("kind", "Device kind, e.g. streetlight."),
            ("device", "Device id, unique within site and kind."),
        ]
        return ConfigKey(
            "identity",
            doc:
                "Who the device is; becomes the topic prefix curb/v1/{site}/{kind}/{device}/ and the default MQTT "
                + "client id.",
            keywords: { _ in
                [
                    SchemaJSON.Member("type", .string("object")),
                    SchemaJSON.Member("additionalProperties", .bool(false)),
                    SchemaJSON.Member("required", .array(segments.map { .string($0.0) })),
                    SchemaJSON.Member(
                        "properties",
                        .object(
                            segments.map { name, doc in
                                SchemaJSON.Member(
                                    name,
                                    .object(
                                        SchemaJSON.members([
                                            "description": .string(doc), "type": .string("string"),
                                            "pattern": .string("^[A-Za-z0-9._-]{1,64}$"),
                                        ])))
                            })),
                ]
            },
            read: { reader, node, path, configuration in
                if let identity = decodeIdentity(node, at: path, &reader) { configuration.identity = identity }
            })
    }

    private static var healthSection: ConfigSection<AgentConfiguration> {
        ConfigSection(
            doc: "Health telemetry and the remote-configuration health check.",
            keys: [
                .integer(
                    "interval_s", \.healthInterval, 1...86_400, "s", as: .seconds, doc: "Period of telemetry/health."),
                .integer(
                    "config_window_ms", \.remoteConfigHealthWindow, 0...3_600_000, "ms", as: .milliseconds,
                    doc: "How long a remotely applied configuration must stay healthy before it is persisted, else "
                        + "it is rolled back."),
            ])
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
}

extension AgentConfiguration.MQTT {
    /// The `mqtt` section's keys: a daemon's, and a `curbctl` broker profile's.
    public static var section: ConfigSection<Self> {
        ConfigSection(
            doc: "How the daemon reaches its broker.",
            keys: [
                .string(
                    "url", \.url, what: "mqtt://host[:port] or mqtts://host[:port]", pattern: "^mqtts?://",
                    doc: "Broker: mqtt://host[:port] (default port 1883) or mqtts://host[:port] (8883). Credentials in "
                        + "the URL (user:password@) are refused: use username and password_file."
                ).required(),
                .choice(
                    "protocol", \.protocolVersion, of: MQTTConfiguration.ProtocolVersion.self, as: .identity,
                    doc: "MQTT protocol version."),
                .string("client_id", \.clientID, doc: "Default curb-{site}~{kind}~{device}."),
                .string(
                    "username", \.username,
                    doc: "User name for the broker's password authentication; with password_file it defaults to "
                        + "{site}~{kind}~{device}, the name the example ACL uses."),
                .string(
                    "password_file", \.passwordFile, what: "absolute path", pattern: "^/",
                    doc: "Absolute path of a file whose first line is the password, readable by its owner only "
                        + "(chmod 600; otherwise refused). Over plain mqtt:// to another host a warning is logged."),
                .section("tls", \.tls, tlsSection),
                .integer("keepalive_s", \.keepAlive, 5...3_600, "s", as: .seconds, doc: "Keepalive."),
                .integer(
                    "session_expiry_s", \.sessionExpiry, 0...4_294_967_295, "s", as: .seconds,
                    doc: "MQTT 5 session expiry: how long the broker keeps subscriptions and queued QoS 1 commands "
                        + "while the device is away."),
                .integer(
                    "reconnect_min_ms", \.reconnectMin, 100...600_000, "ms", as: .milliseconds,
                    doc: "First reconnect delay; each device draws from [min, 2·min) and doubles up to the max."),
                .integer(
                    "reconnect_max_ms", \.reconnectMax, 100...3_600_000, "ms", as: .milliseconds,
                    doc: "Longest reconnect delay (at least reconnect_min_ms)."),
            ],
            rules: [urlParses, reconnectOrdered])
    }

    /// The pattern only says the scheme; libmosquitto needs a host and a valid port too, and the URL must not carry
    /// credentials (it is logged and returned by `get-config`; the message leaves them out as well).
    private static func urlParses(_ reader: inout NodeReader, _ found: ConfigSection<Self>.Found, _ mqtt: inout Self) {
        guard let node = found.valid("url") else { return }
        do {
            _ = try MQTTConfiguration.parse(url: mqtt.url)
        } catch {
            reader.report(
                .invalidValue, at: found.path.appending("url"),
                expected: "mqtt://host[:port] or mqtts://host[:port] without credentials",
                found: "\"\(MQTTConfiguration.redacted(url: mqtt.url))\" (\(error.detail))", node: node)
        }
    }

    private static func reconnectOrdered(
        _ reader: inout NodeReader, _ found: ConfigSection<Self>.Found, _ mqtt: inout Self
    ) {
        guard mqtt.reconnectMax < mqtt.reconnectMin, let node = found.keys["reconnect_max_ms"] else { return }
        reader.report(
            .invalidValue, at: found.path.appending("reconnect_max_ms"), expected: "at least reconnect_min_ms",
            found: NodeReader.describe(node), node: node)
    }

    private static var tlsSection: ConfigSection<MQTTConfiguration.TLS> {
        ConfigSection(
            doc:
                "For mqtts://. Without ca_file the system trust store is used; cert_file and key_file together enable "
                + "mutual TLS.",
            keys: [
                .string("ca_file", \.caFile, doc: "CA certificate(s) the broker's certificate must chain to (PEM)."),
                .string("cert_file", \.certificateFile, doc: "Client certificate for mutual TLS (PEM)."),
                .string(
                    "key_file", \.keyFile,
                    doc: "Client certificate's private key (PEM), readable by its owner only (chmod 600; otherwise "
                        + "refused)."),
            ],
            constraints: [
                SchemaJSON.Member(
                    "dependentRequired",
                    .object([
                        SchemaJSON.Member("cert_file", .array([.string("key_file")])),
                        SchemaJSON.Member("key_file", .array([.string("cert_file")])),
                    ]))
            ],
            rules: [
                { reader, found, tls in
                    guard (tls.certificateFile == nil) != (tls.keyFile == nil) else { return }
                    reader.report(
                        .missingKey, at: found.path, expected: "cert_file and key_file together (mutual TLS)",
                        found: "only one of them", node: found.node)
                }
            ])
    }
}

extension AgentConfiguration.HardwareAccess {
    static var section: ConfigSection<Self> {
        ConfigSection(
            doc: "Which HAL backend the daemon drives its parts through.",
            keys: [
                .choice(
                    "backend", \.backend, of: AgentConfiguration.Backend.self, as: .identity,
                    doc: "linux: the real buses (libgpiod, i2c-dev, libmodbus). rig: the virtual rig over its control "
                        + "socket."
                ).required(),
                .string(
                    "rig_socket", \.rigSocket, what: "absolute path", pattern: "^/",
                    doc: "The rig's control socket (absolute path); required for rig."),
            ],
            constraints: [
                SchemaJSON.Member(
                    "if",
                    .object([
                        SchemaJSON.Member(
                            "properties",
                            .object([
                                SchemaJSON.Member("backend", .object([SchemaJSON.Member("const", .string("rig"))]))
                            ]))
                    ])),
                SchemaJSON.Member("then", .object([SchemaJSON.Member("required", .array([.string("rig_socket")]))])),
            ],
            rules: [
                { reader, found, hal in
                    guard found.valid("backend") != nil, hal.backend == .rig, found.keys["rig_socket"] == nil else {
                        return
                    }
                    reader.report(
                        .missingKey, at: found.path.appending("rig_socket"),
                        expected: "the rig's control socket for backend rig", found: "nothing", node: found.node)
                }
            ])
    }
}

extension AgentConfiguration.Commands {
    static var section: ConfigSection<Self> {
        ConfigSection(
            doc: "The command router.",
            keys: [
                .integer(
                    "max_payload_bytes", \.maxPayloadBytes, 256...1_048_576, "bytes",
                    doc: "Larger commands are rejected unread (payload-too-large)."),
                .integer(
                    "duplicate_window_s", \.duplicateWindow, 1...86_400, "s", as: .seconds,
                    doc: "A repeated command id within this window gets the first result again."),
                .integer(
                    "max_concurrent", \.maxConcurrent, 1...1_024,
                    doc: "Commands handled at once; more are rejected with reason busy (and counted in health)."),
            ])
    }
}

extension AgentConfiguration.Outbox {
    static var section: ConfigSection<Self> {
        ConfigSection(
            doc:
                "The durable outbox: events (and durable telemetry streams) are fsync'd here before publishing and "
                + "removed on PUBACK. When a bound is exceeded the oldest entries are dropped and counted by reason "
                + "(size, age, count) in telemetry/health. It is never wiped by a restart or a configuration change.",
            keys: [
                .integer(
                    "max_bytes", \.maxBytes, 65_536...(64 << 30), "bytes",
                    doc: "Bytes the pending entries' records take on disk at most (the file stays under 3 times this)."),
                .integer(
                    "max_age_s", \.maxAge, 60...(365 * 86_400), "s", as: .seconds,
                    doc: "Entries older than this are dropped."),
                .integer("max_entries", \.maxEntries, 100...100_000_000, doc: "Entries kept at most."),
                .integer(
                    "drain_rate_per_s", \.drainRatePerSecond, 1...100_000, "messages/s",
                    doc: "Messages per second sent from the outbox after a reconnect (token bucket, burst half a "
                        + "second's worth), so a fleet coming back does not flood the broker."),
            ])
    }
}
