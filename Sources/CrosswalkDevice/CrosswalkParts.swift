public import HAL
public import PCA9685

/// The lines and channels the controller reads and drives, opened by the daemon from the board file and the backend in
/// use.
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
    /// Outputs on a PCA9685 channel instead of a line, by the same names: the beacons, which can then be dimmed.
    public var pwmOutputs: [String: PWMChannel]

    /// One channel of a started PCA9685 (`PCA9685.start(frequencyHertz:)`), and the frequency it was set up for, so
    /// the read-back can tell a chip that reset itself (a brown-out puts it to sleep with every output off).
    public struct PWMChannel: Sendable {
        public var chip: PCA9685
        public var channel: Int
        public var frequencyHertz: Double
        public init(chip: PCA9685, channel: Int, frequencyHertz: Double) {
            self.chip = chip
            self.channel = channel
            self.frequencyHertz = frequencyHertz
        }
    }

    public init(
        zones: [Zone], buttons: [any GPIOInputLine], stopLine: (any GPIOInputLine)?, walkPhase: (any GPIOInputLine)?,
        faultReset: (any GPIOInputLine)?, outputs: [String: any GPIOOutputLine], pwmOutputs: [String: PWMChannel] = [:]
    ) {
        self.zones = zones
        self.buttons = buttons
        self.stopLine = stopLine
        self.walkPhase = walkPhase
        self.faultReset = faultReset
        self.outputs = outputs
        self.pwmOutputs = pwmOutputs
    }

    /// Every output, lines and channels, by name (a channel wins over a line of the same name; the daemon opens one).
    var drives: [String: OutputDrive] {
        outputs.mapValues { OutputDrive.line($0) }.merging(pwmOutputs.mapValues { .pwm($0) }) { _, channel in channel }
    }
}

/// Where an output sits, driven at a level 0…1: a GPIO line is on at any level above 0; a PCA9685 channel's duty
/// cycle is the level.
enum OutputDrive: Sendable {
    case line(any GPIOOutputLine)
    case pwm(CrosswalkParts.PWMChannel)

    var isDimmable: Bool {
        if case .pwm = self { true } else { false }
    }

    func write(_ level: Double) async throws {
        switch self {
        case .line(let line): try await line.write(GPIOValue(level > 0))
        case .pwm(let output): try await output.chip.setDutyCycle(channel: output.channel, level)
        }
    }

    /// Whether the output reads back `level`: the line's level; for a channel, the chip still set up (awake, as
    /// configured) and its four registers (LEDn_ON_L…LEDn_OFF_H) holding what `level` programs. A chip found reset
    /// (a brown-out: asleep, every channel off) reads back wrong and is set up again, so the next write can put the
    /// level back and the read-back after that clear the cause.
    func readsBack(_ level: Double) async throws -> Bool {
        switch self {
        case .line(let line):
            return try await line.read() == GPIOValue(level > 0)
        case .pwm(let output):
            guard try await output.chip.setUpDifference(frequencyHertz: output.frequencyHertz) == nil else {
                try await output.chip.start(frequencyHertz: output.frequencyHertz)
                return false
            }
            return try await output.chip.registers(channel: output.channel)
                == PCA9685.ChannelRegisters(dutyCycle: level)
        }
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
