/// The policy layer that decided the lamp's level, highest priority first; its name goes to the `state` topic.
public enum DimmingLayer: String, Hashable, Sendable, Codable, CaseIterable {
    /// A `set-level` command with an expiry.
    case override
    /// Motion raised the level for the hold time.
    case presence
    /// The lux sensor switched the lamp (on below / off above the thresholds).
    case ambient
    /// The time-of-night profile set the on-level.
    case profile
    /// Sunset/sunrise with offsets switched the lamp (lux sensor absent or failed).
    case astronomical
}
