public import ConfigSupport
public import FoundationEssentials
import Yams

/// The local-only `security` section: which operator keys the device trusts and which requests must be signed.
///
/// ```yaml
/// security:
///   trusted_keys:
///     - {id: ops-2026, public_key: "base64 of 32 bytes"}
///     - {id: ops-2025, public_key: "…", not_after: "2026-12-31T00:00:00Z"}   # rotation: both valid until then
///   require_signature: ["*"]         # default: the daemon's actuator commands
///   sign_config: true
/// ```
/// Never settable through `config/desired` (only `device` is): a remote change could hand the device to another key.
public struct SecuritySettings: Sendable, Hashable {
    /// One trusted operator public key.
    public struct TrustedKey: Sendable, Hashable {
        public var id = ""
        /// The raw 32-byte Ed25519 public key.
        public var publicKey: [UInt8] = []
        /// After this instant signatures by the key are refused (the old key's end in a rotation).
        public var notAfter: Date?
        public init() {}
        public init(id: String, publicKey: [UInt8], notAfter: Date? = nil) {
            self.id = id
            self.publicKey = publicKey
            self.notAfter = notAfter
        }
    }

    /// Whether the configuration file has a `security` section at all (without one, nothing is checked).
    public var isConfigured = false
    public var trustedKeys: [TrustedKey] = []
    /// Command names that must be signed, `*` for all; nil: the daemon's own actuator commands.
    public var requireSignature: [String]?
    /// Whether a desired configuration must be signed.
    public var signConfig = true
    /// The longest `expires − issued_at` accepted on a signed command; bounds the replay cache.
    public var maxCommandValidity: Duration = .seconds(900)
    /// The same for a signed desired configuration (devices may be offline for days when one is pushed).
    public var maxConfigValidity: Duration = .seconds(30 * 86_400)

    public init() {}

    /// Whether command `name` needs a signature, given the daemon's actuator commands for the default.
    public func requiresSignature(command name: String, actuatorCommands: Set<String>) -> Bool {
        guard isConfigured else { return false }
        guard let listed = requireSignature else { return actuatorCommands.contains(name) }
        return listed.contains("*") || listed.contains(name)
    }
}

extension SecuritySettings {
    /// The section's keys, declared once for the reader and the schema.
    public static var section: ConfigSection<Self> {
        ConfigSection(
            doc:
                "Signed commands and configuration (local only). Without this section nothing is checked and a "
                + "warning is logged at start. See the README's Security model.",
            keys: [
                .list(
                    "trusted_keys", \.trustedKeys, of: "trusted keys", minimumCount: 1, item: TrustedKey.section,
                    seed: TrustedKey(),
                    doc: "Operator Ed25519 public keys whose signatures are accepted; several at once for a rotation.",
                    accept: { reader, entry, _ in
                        guard entry.accepted.contains(where: { $0.item.id == entry.item.id }) else { return true }
                        reader.report(
                            .invalidValue, at: entry.found.path.appending("id"), expected: "an id not used above",
                            found: "\"\(entry.item.id)\"", node: entry.found.node)
                        return false
                    }
                ).required(),
                requireSignatureKey,
                .bool("sign_config", \.signConfig, doc: "Desired configurations (config/desired) must be signed."),
                .integer(
                    "max_validity_s", \.maxCommandValidity, 1...86_400, "s", as: .seconds,
                    doc: "Longest expires − issued_at of a signed command; the replay cache keeps ids this long."),
                .integer(
                    "config_max_validity_s", \.maxConfigValidity, 1...(366 * 86_400), "s", as: .seconds,
                    doc: "Longest expires − issued_at of a signed desired configuration."),
            ],
            rules: [{ _, _, settings in settings.isConfigured = true }])
    }

    /// A list of command names (or `*`).
    private static var requireSignatureKey: ConfigKey<Self> {
        ConfigKey(
            "require_signature",
            doc: "Commands that must be signed (names, or \"*\" for every command); default: the daemon's actuator "
                + "commands (see its README).",
            keywords: { _ in
                [
                    SchemaJSON.Member("type", .string("array")),
                    SchemaJSON.Member(
                        "items",
                        .object([
                            SchemaJSON.Member("type", .string("string")),
                            SchemaJSON.Member("pattern", .string("^(\\*|[a-z0-9][a-z0-9-]*)$")),
                        ])),
                ]
            },
            read: { reader, node, path, settings in
                var names: [String] = []
                for (itemPath, item) in reader.list(node, at: path, of: "command names") {
                    if let name = reader.string(item, at: itemPath) { names.append(name) }
                }
                settings.requireSignature = names
            })
    }
}

extension SecuritySettings.TrustedKey {
    static var section: ConfigSection<Self> {
        ConfigSection(
            doc: "One operator public key (curbctl keys gen prints the line).",
            keys: [
                .string("id", \.id, pattern: "^[A-Za-z0-9._-]{1,64}$", doc: "The key's name, as signatures cite it.")
                    .required(),
                .string(
                    "public_key", \.publicKey, what: "base64 of a 32-byte Ed25519 public key",
                    parse: { text in
                        guard let data = Data(base64Encoded: text), data.count == 32 else { return nil }
                        return Array(data)
                    }, format: { _ in nil }, doc: "The raw Ed25519 public key, base64."
                ).required(),
                .string(
                    "not_after", \.notAfter, what: "an RFC 3339 timestamp",
                    parse: { RFC3339.parse($0).map { .some($0) } },
                    format: { $0.map(RFC3339.format) },
                    doc: "Signatures by this key are refused after this instant (the old key in a rotation)."),
            ])
    }
}
