/// The charge point's operating state, published retained on `state`; named like OCPP's connector status so a
/// bridge maps them one to one.
///
/// - `available`: no vehicle (state A); pilot +12 V steady, contactor open, cable unlocked.
/// - `preparing`: a vehicle connected; the cable is being locked and authorisation awaited; pilot steady (x1).
/// - `suspended-ev`: authorised with the lock confirmed, the PWM offers current; the EV has not asked (B2).
/// - `charging`: the EV asked (C, or D with ventilation) and the contactor is closed.
/// - `suspended-evse`: a session whose offered current is below 6 A (grid limit): pilot steady, contactor open.
/// - `finishing`: the session was stopped by command or authorisation end; contactor open, cable unlocked once no
///   current flows, waiting for the vehicle to leave.
/// - `faulted`: a latched fault; contactor open, pilot at state F (−12 V), cable unlocked once no current flows.
public enum ChargerState: String, Sendable, Hashable, CaseIterable {
    case available
    case preparing
    case suspendedEV = "suspended-ev"
    case charging
    case suspendedEVSE = "suspended-evse"
    case finishing
    case faulted

    /// States in which a session (a transaction) is open.
    public var hasSession: Bool { [.suspendedEV, .charging, .suspendedEVSE].contains(self) }
}

/// What the pilot generator drives.
public enum PilotOutput: Sendable, Hashable {
    /// +12 V steady: state A's level, and x1 (no current offered).
    case steady
    /// The 1 kHz square wave ±12 V with this duty cycle (0…1).
    case pwm(duty: Double)
    /// −12 V steady: state F, the EVSE is not available.
    case notAvailable
}

/// What every actuator should do now.
public struct ChargerOutputs: Sendable, Hashable {
    public var contactor = false
    public var pilot = PilotOutput.steady
    public var lock = false
    public init() {}

    /// The safe state: contactor open, pilot at the idle level, the lock as it is unless no current can flow (the
    /// caller decides: released only with the contactor feedback open).
    public static let safe = ChargerOutputs()
}
