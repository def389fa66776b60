/// The seam where signed commands are checked before dispatch.
///
/// Commands (and desired configurations) may carry a detached Ed25519 signature over a canonical encoding plus a
/// replay window; which commands require one is policy. Until signing is switched on, `AllowUnsigned` lets every
/// command through, and the router still calls the authorizer for each one so the policy can be changed without
/// touching handlers.
public protocol CommandAuthorizer: Sendable {
    /// Decides whether `command` with this envelope may run. `payload` is the exact bytes received.
    func authorize(command: String, envelope: [String: JSONValue], payload: [UInt8]) async -> AuthorizationDecision
}

public enum AuthorizationDecision: Sendable, Hashable {
    case allow
    case deny(String)
}

/// Accepts every command: signing not switched on yet.
public struct AllowUnsigned: CommandAuthorizer {
    public init() {}
    public func authorize(command: String, envelope: [String: JSONValue], payload: [UInt8]) async
        -> AuthorizationDecision
    { .allow }
}
