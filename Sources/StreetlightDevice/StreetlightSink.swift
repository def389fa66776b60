public import AgentRuntime
public import HAL

/// Where the streetlight's observations go (the runtime's `DeviceSink`).
public typealias StreetlightSink = DeviceSink

/// The parts the controller drives, opened by the daemon from the board file and the backend in use.
public struct StreetlightParts: Sendable {
    public var bus: any I2CBus
    public var relay: any GPIOOutputLine
    public var motion: (any GPIOInputLine)?

    public init(bus: any I2CBus, relay: any GPIOOutputLine, motion: (any GPIOInputLine)?) {
        self.bus = bus
        self.relay = relay
        self.motion = motion
    }
}
