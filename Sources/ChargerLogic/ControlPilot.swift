/// The control-pilot states of IEC 61851-1 Annex A, by the plateau voltage the EV's load leaves on the +12 V level.
///
/// - `A` 12 V: no vehicle. - `B` 9 V: vehicle connected, not ready. - `C` 6 V: ready, charging.
/// - `D` 3 V: ready, charging, ventilation required. - `E` 0 V: CP shorted to PE (or no supply).
/// - `F` −12 V: the EVSE is not available (the level an EVSE drives itself on a fault).
public enum PilotState: String, Sendable, Hashable, CaseIterable {
    case a = "A"
    case b = "B"
    case c = "C"
    case d = "D"
    case e = "E"
    case f = "F"
}

/// One classified CP measurement.
public enum PilotReading: Sendable, Hashable, CustomStringConvertible {
    case state(PilotState)
    /// The oscillator runs but the low level is not −12 V: the EV's diode is missing or shorted (IEC 61851-1 A.2.3).
    case diodeFault
    /// The high level lies between the standard's bands (a bad contact, a level in transition).
    case invalid(highVolts: Double)
    /// A level no vehicle can produce on a working pilot: above 13 V, below −13 V, or between −10 V and −2 V (the
    /// charging station's "pilot fault" of Table A.4's detection ranges).
    case pilotFault(highVolts: Double)

    public var description: String {
        switch self {
        case .state(let state): "state \(state.rawValue)"
        case .diodeFault: "diode fault"
        case .invalid(let volts): "CP high level \(volts) V outside every state's band"
        case .pilotFault(let volts): "CP high level \(volts) V impossible on a working pilot"
        }
    }
}

/// Classifies the CP line from its measured high and low levels (volts on the pilot wire, after the front end's
/// scaling is undone). Bands are the EVSE-side detection windows of IEC 61851-1:2017 Table A.4 ("system states detected
/// by the charging station"): nominal plateau ±1 V, E up to 2 V; see `Sources/chargerd/README.md` for the sources.
/// A level in a gap between bands (10…11 V, 7…8 V, 4…5 V) is `invalid`: the machine holds its state, as a station does
/// while a level crosses between two windows.
public enum ControlPilot {
    /// The high-level band of each state, searched in this order (exactly 2 V is D, below it E).
    public static let bands: [(state: PilotState, volts: ClosedRange<Double>)] = [
        (.a, 11...13), (.b, 8...10), (.c, 5...7), (.d, 2...4), (.e, -1...2), (.f, -13 ... -11),
    ]
    /// The low level of the square wave with the EV's diode in place.
    public static let lowLevelBand: ClosedRange<Double> = -13 ... -11
    /// Levels that are a pilot fault rather than a level between two windows.
    public static func isPilotFault(_ volts: Double) -> Bool {
        volts > 13 || volts < -13 || (-10 ... -2).contains(volts)
    }

    /// - Parameters:
    ///   - high: the level while the oscillator is high (the steady level when it does not oscillate).
    ///   - low: the level while the oscillator is low.
    ///   - oscillating: whether the EVSE runs the 1 kHz PWM now; only then is there a low level to check.
    public static func classify(highVolts high: Double, lowVolts low: Double, oscillating: Bool) -> PilotReading {
        guard let band = bands.first(where: { $0.volts.contains(high) }) else {
            return isPilotFault(high) ? .pilotFault(highVolts: high) : .invalid(highVolts: high)
        }
        // The diode check: in B, C and D with the oscillator running the low level must stay at −12 V.
        if oscillating, [.b, .c, .d].contains(band.state), !lowLevelBand.contains(low) { return .diodeFault }
        return .state(band.state)
    }
}
