/// What one power sample changed.
public struct LampHealthReport: Hashable, Sendable {
    /// Findings confirmed by this sample (raise an event for each).
    public var raised: [LampFinding]
    /// Findings that no longer hold (raise a cleared event for each).
    public var cleared: [LampFinding]
    /// All findings in force after this sample.
    public var active: [LampFinding]
}
