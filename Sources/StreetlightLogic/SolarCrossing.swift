public import HAL

/// When the sun crosses a given zenith angle on one day, or why it does not.
public enum SolarCrossing: Hashable, Sendable, CustomStringConvertible {
    /// The sun crosses the zenith angle at this instant.
    case at(Timestamp)
    /// The sun stays above the altitude all day (midnight sun for sunrise/sunset): no crossing.
    case neverBelow
    /// The sun stays below the altitude all day (polar night for sunrise/sunset): no crossing.
    case neverAbove

    /// The instant, when there is one.
    public var timestamp: Timestamp? {
        if case .at(let timestamp) = self { return timestamp }
        return nil
    }

    /// The instant, or `sun never sets`/`sun never rises` spelt out.
    public var description: String {
        switch self {
        case .at(let timestamp): return timestamp.description
        case .neverBelow: return "sun stays above the horizon all day"
        case .neverAbove: return "sun stays below the horizon all day"
        }
    }
}
