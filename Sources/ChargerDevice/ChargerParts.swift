public import ADS1115
public import HAL
public import PCA9685
public import SDM630

/// The parts the controller reads and drives, opened by the daemon from the board file and the backend in use.
public struct ChargerParts: Sendable {
    public var pwm: PCA9685
    public var adc: ADS1115
    public var contactor: any GPIOOutputLine
    public var contactorFeedback: any GPIOInputLine
    public var rcd: any GPIOInputLine
    public var lock: any GPIOOutputLine
    public var lockFeedback: any GPIOInputLine
    public var meter: SDM630

    public init(
        pwm: PCA9685, adc: ADS1115, contactor: any GPIOOutputLine, contactorFeedback: any GPIOInputLine,
        rcd: any GPIOInputLine, lock: any GPIOOutputLine, lockFeedback: any GPIOInputLine, meter: SDM630
    ) {
        self.pwm = pwm
        self.adc = adc
        self.contactor = contactor
        self.contactorFeedback = contactorFeedback
        self.rcd = rcd
        self.lock = lock
        self.lockFeedback = lockFeedback
        self.meter = meter
    }
}

/// Which input an edge came from.
public enum ChargerInput: Sendable, Hashable {
    case rcd
    case contactorFeedback
    case lockFeedback
}
