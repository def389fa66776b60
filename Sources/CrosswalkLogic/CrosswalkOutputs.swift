/// The level every output should have now, in logical terms (`true` = active).
public struct CrosswalkOutputs: Sendable, Hashable {
    /// The RRFB units' left and right yellow indications (every unit of a crossing flashes in step, IA-21 5e).
    public var beaconLeft = false
    public var beaconRight = false
    public var inRoadMarkers = false
    /// The driver warning sign ("pedestrian on the crossing"), lit on a conflict and in the fail-safe state.
    public var warningSign = false
    /// Active: the safety bar is raised and lets pedestrians onto the crossing (the walk phase).
    public var safetyBar = false
    /// Active: voice guidance plays (the walk phase).
    public var audioGuide = false

    public init() {}

    /// The outputs by their configuration names, in a fixed order.
    public var named: [(name: String, active: Bool)] {
        [
            ("beacon_left", beaconLeft), ("beacon_right", beaconRight), ("in_road_markers", inRoadMarkers),
            ("warning_sign", warningSign), ("safety_bar", safetyBar), ("audio_guide", audioGuide),
        ]
    }
}
