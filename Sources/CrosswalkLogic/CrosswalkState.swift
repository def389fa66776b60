/// The crossing's operating state, published retained on `state`.
///
/// - `idle`: nobody detected; beacons dark (in-road markers may be on for the school-zone profile).
/// - `warning`: a pedestrian detected or a button pressed; beacons flash the IA-21 sequence until the clearance time
///   after the last detection has passed with nobody on the crossing.
/// - `conflict`: a vehicle at the stop line while a pedestrian is on the crossing; the warning sign and the in-road
///   markers join the beacons.
/// - `failSafe`: a latched fault; beacons flash continuously, markers and sign on, until a reset once the cause has
///   cleared.
public enum CrosswalkState: String, Sendable, Hashable, CaseIterable {
    case idle
    case warning
    case conflict
    case failSafe = "fail-safe"
}

/// Which input saw a pedestrian: a presence zone's detector or a push button, by their index in the configuration.
public enum DetectionSource: Sendable, Hashable, CustomStringConvertible {
    case zone(Int)
    case button(Int)

    public var description: String {
        switch self {
        case .zone(let index): "zone \(index)"
        case .button(let index): "button \(index)"
        }
    }

    /// A presence zone sees a pedestrian on (or at) the crossing; a button only one who wants to cross.
    var isOnCrossing: Bool {
        if case .zone = self { true } else { false }
    }
}

/// Where a fault reset came from: the local reset input, or the authorised `reset-fault` command.
public enum ResetSource: String, Sendable, Hashable, CaseIterable {
    case localInput = "local-input"
    case command
}
