public import HAL

/// The lines the controller reads and drives, opened by the daemon from the board file and the backend in use.
public struct CrosswalkParts: Sendable {
    public struct Zone: Sendable {
        public var presence: any GPIOInputLine
        public var heartbeat: (any GPIOInputLine)?
        public init(presence: any GPIOInputLine, heartbeat: (any GPIOInputLine)?) {
            self.presence = presence
            self.heartbeat = heartbeat
        }
    }

    public var zones: [Zone]
    public var buttons: [any GPIOInputLine]
    public var stopLine: (any GPIOInputLine)?
    public var walkPhase: (any GPIOInputLine)?
    public var faultReset: (any GPIOInputLine)?
    /// Output lines by the names of `CrosswalkOutputs.named` (`beacon_left`, …); absent ones are not driven.
    public var outputs: [String: any GPIOOutputLine]

    public init(
        zones: [Zone], buttons: [any GPIOInputLine], stopLine: (any GPIOInputLine)?, walkPhase: (any GPIOInputLine)?,
        faultReset: (any GPIOInputLine)?, outputs: [String: any GPIOOutputLine]
    ) {
        self.zones = zones
        self.buttons = buttons
        self.stopLine = stopLine
        self.walkPhase = walkPhase
        self.faultReset = faultReset
        self.outputs = outputs
    }
}

/// Which input an edge came from.
public enum CrosswalkInput: Sendable, Hashable {
    case zone(Int)
    case button(Int)
    case heartbeat(Int)
    case stopLine
    case walkPhase
    case faultReset
}
