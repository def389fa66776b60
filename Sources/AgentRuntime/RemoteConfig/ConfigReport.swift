/// What the device writes to `config/reported` (retained) after handling a desired configuration.
public struct ConfigReport: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Hashable, Codable {
        /// Validated, applied, healthy and persisted.
        case applied
        /// Not valid; nothing changed. `errors` says why, path by path.
        case rejected
        /// Applied, but the health check failed within the health window; the last good configuration is back.
        case rolledBack = "rolled-back"
        /// Not newer than the active revision; nothing changed.
        case ignored
    }

    public var revision: Int
    public var status: Status
    public var activeRevision: Int
    public var errors: [String]?
    public var ts: String

    enum CodingKeys: String, CodingKey {
        case revision, status, errors, ts
        case activeRevision = "active_revision"
    }
}

/// A configuration revision that was applied and persisted: the remote document and its number.
public struct AppliedConfiguration: Sendable, Hashable, Codable {
    public var revision: Int
    /// The `config` object exactly as the operator sent it (device section and whitelisted runtime settings).
    public var config: JSONValue
}
