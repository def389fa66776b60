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

    public var description: String {
        switch self {
        case .state(let state): "state \(state.rawValue)"
        case .diodeFault: "diode fault"
        case .invalid(let volts): "CP high level \(volts) V outside every state's band"
        }
    }
}

/// Classifies the CP line from its measured high and low levels (volts on the pilot wire, after the front end's
/// scaling is undone). Bands are the nominal plateau ±1 V (IEC 61851-1:2017 Table A.4, see `Sources/chargerd/README.md`
/// for where the figures come from and what could not be confirmed).
public enum ControlPilot {
    /// The high-level band of each state.
    public static let bands: [(state: PilotState, volts: ClosedRange<Double>)] = [
        (.a, 11...13), (.b, 8...10), (.c, 5...7), (.d, 2...4), (.e, -1...1), (.f, -13 ... -11),
    ]
    /// The low level of the square wave with the EV's diode in place.
    public static let lowLevelBand: ClosedRange<Double> = -13 ... -11

    /// - Parameters:
    ///   - high: the level while the oscillator is high (the steady level when it does not oscillate).
    ///   - low: the level while the oscillator is low.
    ///   - oscillating: whether the EVSE runs the 1 kHz PWM now; only then is there a low level to check.
    public static func classify(highVolts high: Double, lowVolts low: Double, oscillating: Bool) -> PilotReading {
        guard let band = bands.first(where: { $0.volts.contains(high) }) else { return .invalid(highVolts: high) }
        // The diode check: in B, C and D with the oscillator running the low level must stay at −12 V.
        if oscillating, [.b, .c, .d].contains(band.state), !lowLevelBand.contains(low) { return .diodeFault }
        return .state(band.state)
    }
}
