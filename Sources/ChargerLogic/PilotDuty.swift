/// Duty cycle ↔ current on the control pilot, IEC 61851-1:2017 Annex A (Table A.7 for what the EV reads from a duty
/// cycle, Table A.8 for the duty an EVSE sets for a current). The sources are cited in `Sources/chargerd/README.md`.
public enum PilotDuty {
    /// The smallest current the PWM can offer (10 % duty); below it an EVSE offers nothing.
    public static let minimumAmps = 6.0
    /// The largest current the PWM can offer (96 % duty).
    public static let maximumAmps = 80.0

    /// The duty cycle (0…1) an EVSE sets to offer `amps`: 6…51 A → A / 0.6 %; 51…80 A → A / 2.5 + 64 %.
    /// - Returns: nil below 6 A (no current can be offered; the pilot stays steady, state x1) — `amps` above 80 A is
    ///   offered as 80 A.
    public static func duty(forAmps amps: Double) -> Double? {
        guard amps >= minimumAmps else { return nil }
        let amps = min(amps, maximumAmps)
        let percent = amps <= 51 ? amps / 0.6 : amps / 2.5 + 64
        return percent / 100
    }

    /// The current an EV may draw at `duty` (0…1), Table A.7: below 3 % none (E/F); 3…7 % none (5 % asks for digital
    /// communication); 7…8 % none (an error); 8…10 % 6 A; 10…85 % duty × 0.6 A; 85…96 % (duty − 64) × 2.5 A;
    /// 96…97 % 80 A; above 97 % none (100 % is state x1).
    public static func amps(forDuty duty: Double) -> Double {
        let percent = duty * 100
        switch percent {
        case 8..<10: return 6
        case 10...85: return percent * 0.6
        case 85...96: return (percent - 64) * 2.5
        case 96...97: return 80
        default: return 0
        }
    }
}
