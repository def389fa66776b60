import Crypto
public import FoundationEssentials
import HAL

/// Checks the Ed25519 signatures of commands and desired configurations against the trusted operator keys of the
/// local `security` section, refuses replays, and reports every refusal (for `event/security`).
///
/// A request that carries a signature is verified even when its command does not require one: a signature that
/// does not verify means someone altered or misdirected it. Reasons: `unsigned`, `invalid-signature` (malformed
/// signature fields, or a validity longer than allowed), `wrong-device`, `unknown-key`, `key-expired`, `expired`,
/// `bad-signature`, `replayed`, `replay-cache-full`, `replay-cache-unavailable`.
public actor SignatureAuthorizer: CommandAuthorizer, DesiredConfigurationAuthorizer {
    private let settings: SecuritySettings
    private let topics: TopicScheme
    private let actuatorCommands: Set<String>
    private var replay: ReplayCache
    private let wallClock: @Sendable () -> Date
    private let onRefusal: @Sendable (SecurityRefusal) async -> Void

    /// - Parameters:
    ///   - actuatorCommands: the daemon's actuator commands, signed by default (`require_signature` absent).
    ///   - stateDirectory: where `replay-cache.json` lives.
    ///   - onRefusal: called for every refusal, before the result is published (the daemon writes `event/security`).
    public init(
        settings: SecuritySettings, identity: DeviceIdentity, actuatorCommands: Set<String>, stateDirectory: String,
        wallClock: @escaping @Sendable () -> Date = { Date() },
        onRefusal: @escaping @Sendable (SecurityRefusal) async -> Void = { _ in }
    ) {
        self.settings = settings
        self.topics = TopicScheme(identity: identity)
        self.actuatorCommands = actuatorCommands
        self.replay = ReplayCache(stateDirectory: stateDirectory)
        self.wallClock = wallClock
        self.onRefusal = onRefusal
    }

    /// A problem reading the stored replay cache, for the start-up log.
    public var loadProblem: String? { replay.loadProblem }

    public func authorize(command: String, envelope: [String: JSONValue], payload: [UInt8]) async
        -> AuthorizationDecision
    {
        let required = settings.requiresSignature(command: command, actuatorCommands: actuatorCommands)
        guard required || envelope["sig"] != nil else { return .allow }
        return await check(
            name: command, topic: topics.command(command), document: envelope, args: envelope["args"] ?? .null,
            maxValidity: settings.maxCommandValidity)
    }

    public func authorize(desired document: [String: JSONValue]) async -> AuthorizationDecision {
        guard settings.isConfigured, settings.signConfig || document["sig"] != nil else { return .allow }
        let args = document.filter { !SignedRequest.signatureKeys.contains($0.key) }
        return await check(
            name: SignedRequest.configurationName, topic: topics.configDesired, document: document,
            args: .object(args), maxValidity: settings.maxConfigValidity)
    }

    private func check(
        name: String, topic: String, document: [String: JSONValue], args: JSONValue, maxValidity: Duration
    ) async -> AuthorizationDecision {
        let id = document["id"]?.stringValue
        let keyID = document["sig"]?["key"]?.stringValue
        switch verify(name: name, topic: topic, document: document, args: args, maxValidity: maxValidity) {
        case .success:
            return .allow
        case .failure(let refusal):
            let full = SecurityRefusal(
                request: name, id: id, key: keyID, reason: refusal.reason, message: refusal.message)
            await onRefusal(full)
            return .refuse(reason: full.reason, message: full.message)
        }
    }

    struct Refusal: Error {
        var reason: String
        var message: String
        init(_ reason: String, _ message: String) {
            self.reason = reason
            self.message = message
        }
    }

    private func verify(
        name: String, topic: String, document: [String: JSONValue], args: JSONValue, maxValidity: Duration
    ) -> Result<Void, Refusal> {
        let now = wallClock()
        guard let sig = document["sig"] else {
            return .failure(Refusal("unsigned", "\(name) requires a signature by a trusted operator key (sig)"))
        }
        guard case .string(let keyID)? = sig["key"], case .string(let encoded)? = sig["ed25519"],
            let signature = Data(base64Encoded: encoded), signature.count == 64
        else {
            return .failure(
                Refusal("invalid-signature", "sig: expected {key: string, ed25519: base64 of 64 bytes}"))
        }
        let device = topics.identity.description
        if let claimed = document["device"] {
            guard claimed.stringValue == device else {
                return .failure(
                    Refusal(
                        "wrong-device",
                        "signed for \(claimed.stringValue.map { "\"\($0)\"" } ?? claimed.typeName), this is \(device)"))
            }
        }
        guard let key = settings.trustedKeys.first(where: { $0.id == keyID }) else {
            return .failure(
                Refusal(
                    "unknown-key",
                    "key \"\(keyID)\" is not trusted here (trusted: "
                        + settings.trustedKeys.map(\.id).joined(separator: ", ") + ")"))
        }
        if let notAfter = key.notAfter, notAfter <= now {
            return .failure(Refusal("key-expired", "key \"\(keyID)\" was retired at \(RFC3339.format(notAfter))"))
        }
        guard case .string(let id)? = document["id"], !id.isEmpty,
            case .string(let issuedText)? = document["issued_at"], let issued = RFC3339.parse(issuedText),
            case .string(let expiresText)? = document["expires"], let expires = RFC3339.parse(expiresText)
        else {
            return .failure(
                Refusal("invalid-signature", "a signed request needs id, issued_at and expires (RFC 3339)"))
        }
        guard expires > now else { return .failure(Refusal("expired", "expired at \(expiresText)")) }
        let validity = expires.timeIntervalSince(issued)
        guard validity > 0, validity <= maxValidity.totalSeconds else {
            return .failure(
                Refusal(
                    "invalid-signature",
                    "expires − issued_at is \(Int(validity)) s; allowed 1…\(Int(maxValidity.totalSeconds)) s"))
        }
        let request = SignedRequest(
            topic: topic, device: device, name: name, id: id, issuedAt: issuedText, expires: expiresText, args: args)
        guard let publicKey = try? Curve25519.Signing.PublicKey(rawRepresentation: key.publicKey),
            publicKey.isValidSignature(signature, for: request.canonicalBytes)
        else {
            return .failure(
                Refusal(
                    "bad-signature",
                    "the signature by \"\(keyID)\" does not verify for \(topic) on \(device) "
                        + "(altered, or made for another device or command)"))
        }
        do throws(AtomicFile.Failure) {
            switch try replay.admit("\(name):\(id)", expires: expires, now: now) {
            case .fresh: return .success(())
            case .replayed:
                return .failure(Refusal("replayed", "\(name) id \"\(id)\" was already accepted (until \(expiresText))"))
            case .full:
                return .failure(Refusal("replay-cache-full", "too many unexpired signed requests; try again later"))
            }
        } catch {
            // Fail closed: a request that cannot be remembered could be replayed after a restart.
            return .failure(Refusal("replay-cache-unavailable", "\(error)"))
        }
    }
}

/// One refused request, as `event/security` reports it.
public struct SecurityRefusal: Sendable, Hashable {
    /// The command name, or `config` for a desired configuration.
    public var request: String
    public var id: String?
    /// The signing key the request named, if any.
    public var key: String?
    public var reason: String
    public var message: String

    /// The event's fields.
    public var fields: [String: JSONValue] {
        var values: [String: JSONValue] = [
            "request": .string(request), "reason": .string(reason), "message": .string(message),
        ]
        if let id { values["id"] = .string(id) }
        if let key { values["key"] = .string(key) }
        return values
    }
}

/// Checks a desired configuration before it is validated and applied.
public protocol DesiredConfigurationAuthorizer: Sendable {
    /// Decides whether the `config/desired` document (its top-level members) may be applied.
    func authorize(desired document: [String: JSONValue]) async -> AuthorizationDecision
}
