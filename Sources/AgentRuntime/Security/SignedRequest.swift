public import Crypto
import FoundationEssentials

/// What an operator signs for one command or one desired configuration: the fields of the canonical document
/// `{"args", "device", "expires", "id", "issued_at", "name", "topic"}` (see ``CanonicalJSON``).
///
/// The topic and the device bind the signature to one device and one command, so it cannot be replayed elsewhere;
/// `id` with `expires` lets the device refuse a replay (it remembers signed ids until they expire).
public struct SignedRequest: Sendable, Hashable {
    /// The full topic the request is published on (`curb/v1/{site}/{kind}/{device}/cmd/set-level`).
    public var topic: String
    /// `site/kind/device` of the device the request is for.
    public var device: String
    /// The command name; `config` for a desired configuration.
    public var name: String
    /// The command id; for a desired configuration, a fresh id per signed document.
    public var id: String
    /// RFC 3339 UTC, as sent.
    public var issuedAt: String
    /// RFC 3339 UTC, as sent.
    public var expires: String
    /// The command's `args` (null when absent); for a desired configuration the document without its signature
    /// fields (`revision`, `config`, `reset`).
    public var args: JSONValue

    /// The name a desired configuration is signed under.
    public static let configurationName = "config"
    /// The keys of a request payload that carry the signature and its metadata rather than the request itself.
    public static let signatureKeys = ["sig", "id", "issued_at", "expires", "device"]

    public init(
        topic: String, device: String, name: String, id: String, issuedAt: String, expires: String, args: JSONValue
    ) {
        self.topic = topic
        self.device = device
        self.name = name
        self.id = id
        self.issuedAt = issuedAt
        self.expires = expires
        self.args = args
    }

    /// The bytes the Ed25519 signature covers.
    public var canonicalBytes: [UInt8] {
        CanonicalJSON.encode(
            .object([
                "topic": .string(topic), "device": .string(device), "name": .string(name), "id": .string(id),
                "issued_at": .string(issuedAt), "expires": .string(expires), "args": args,
            ]))
    }

    /// The payload fields to send: `id`, `issued_at`, `expires`, `device` and `sig: {key, ed25519}` (base64), to be
    /// merged into the command envelope or the desired-configuration document.
    public func signatureFields(keyID: String, privateKey: Curve25519.Signing.PrivateKey) throws -> [String: JSONValue]
    {
        let signature = try privateKey.signature(for: canonicalBytes)
        return [
            "id": .string(id), "issued_at": .string(issuedAt), "expires": .string(expires), "device": .string(device),
            "sig": ["key": .string(keyID), "ed25519": .string(Data(signature).base64EncodedString())],
        ]
    }
}
