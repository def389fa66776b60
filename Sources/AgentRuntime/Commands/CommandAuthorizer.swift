/// The seam where signed commands are checked before dispatch.
///
/// Commands (and desired configurations) may carry a detached Ed25519 signature over a canonical encoding plus a
/// replay window; which commands require one is policy (`SignatureAuthorizer`, from the local `security` section).
/// Without that section `AllowUnsigned` lets every command through; the router calls the authorizer for each one
/// either way, so the policy changes without touching handlers.
public protocol CommandAuthorizer: Sendable {
    /// Decides whether `command` with this envelope may run. `payload` is the exact bytes received.
    func authorize(command: String, envelope: [String: JSONValue], payload: [UInt8]) async -> AuthorizationDecision
}

public enum AuthorizationDecision: Sendable, Hashable {
    case allow
    /// Refused with reason `unauthorized` and this message.
    case deny(String)
    /// Refused with a reason code of the authorizer's own (`unsigned`, `bad-signature`, `replayed`, …).
    case refuse(reason: String, message: String)
}

/// Accepts every command: no `security` section in the local configuration.
public struct AllowUnsigned: CommandAuthorizer {
    public init() {}
    public func authorize(command: String, envelope: [String: JSONValue], payload: [UInt8]) async
        -> AuthorizationDecision
    { .allow }
}
