import ChargerLogic
import Testing

/// Duty ↔ current against IEC 61851-1 Annex A (Table A.7 as the Fluke FEV300 manual tabulates it, Table A.8), the CP
/// classification bands and the diode check, and the PP cable coding.
@Suite struct PilotTests {
    /// Duty (%) → the current an EV may draw (A), rows of the published table: 8…10 % → 6 A, 10…85 % × 0.6,
    /// 85…96 % (d − 64) × 2.5, 96…97 % → 80 A, and the no-charge ranges.
    static let table7: [(percent: Double, amps: Double)] = [
        (0, 0), (2, 0), (5, 0), (7.5, 0), (8, 6), (9, 6), (10, 6), (11, 6.6), (16, 9.6), (25, 15), (50, 30),
        (53.3, 31.98), (80, 48), (85, 51), (86, 55), (90, 65), (96, 80), (97, 80), (98, 0), (100, 0),
    ]

    @Test(arguments: table7)
    func ampsForDuty(_ row: (percent: Double, amps: Double)) {
        #expect(abs(PilotDuty.amps(forDuty: row.percent / 100) - row.amps) < 1e-9)
    }

    /// Current (A) → the duty an EVSE sets (%), Table A.8: 6…51 A → A / 0.6, 51…80 A → A / 2.5 + 64.
    static let table8: [(amps: Double, percent: Double?)] = [
        (0, nil), (5.9, nil), (6, 10), (10, 16.6667), (13, 21.6667), (16, 26.6667), (20, 33.3333), (32, 53.3333),
        (51, 85), (63, 89.2), (80, 96), (100, 96),
    ]

    @Test(arguments: table8)
    func dutyForAmps(_ row: (amps: Double, percent: Double?)) throws {
        let duty = PilotDuty.duty(forAmps: row.amps)
        guard let percent = row.percent else {
            #expect(duty == nil)
            return
        }
        #expect(abs(try #require(duty) * 100 - percent) < 1e-3)
    }

    /// The two tables meet unevenly: 51…52.5 A give 84.4…85 % (A / 2.5 + 64), which an EV reads as d × 0.6 — a
    /// little less than offered, never more.
    @Test("what the EVSE sets, the EV reads back as the same current, or a little less at 51…52.5 A")
    func roundTrip() throws {
        for amps in stride(from: 6.0, through: 80, by: 0.5) {
            let duty = try #require(PilotDuty.duty(forAmps: amps))
            let read = PilotDuty.amps(forDuty: duty)
            if amps <= 51 || amps > 52.5 {
                #expect(abs(read - amps) < 1e-9, "\(amps) A")
            } else {
                #expect(read < amps && read >= 50.6, "\(amps) A read as \(read) A")
            }
        }
    }

    static let levels: [(high: Double, low: Double, oscillating: Bool, reading: PilotReading)] = [
        (12, 12, false, .state(.a)), (11.2, -12, true, .state(.a)), (9, 9, false, .state(.b)),
        (9, -12, true, .state(.b)), (6.4, -11.6, true, .state(.c)), (3, -12, true, .state(.d)),
        (0.2, 0.2, false, .state(.e)), (-12, -12, false, .state(.f)),
        // No −12 V low level under the running PWM: the EV's diode is missing (the EV's load pulls both halves).
        (9, -9, true, .diodeFault), (6, -6, true, .diodeFault),
        // Steady pilot: no low level to check.
        (6, 6, false, .state(.c)),
        (10.5, -12, true, .invalid(highVolts: 10.5)), (4.5, -12, true, .invalid(highVolts: 4.5)),
        // The window edges of Table A.4 as a charging station detects them (the edge values of chargebyte's EVerest
        // driver test, see Sources/chargerd/README.md): each edge inside its window, just past it in a gap or out.
        (14, 14, false, .pilotFault(highVolts: 14)), (-5, -5, false, .pilotFault(highVolts: -5)),
        (-14, -14, false, .pilotFault(highVolts: -14)),
        (13, 13, false, .state(.a)), (11, -12, true, .state(.a)), (10, -12, true, .state(.b)),
        (8, -12, true, .state(.b)),
        (7, -12, true, .state(.c)), (5, -12, true, .state(.c)), (4, -12, true, .state(.d)), (2, -12, true, .state(.d)),
        (1.9, 1.9, false, .state(.e)), (-1, -1, false, .state(.e)), (-11, -11, false, .state(.f)),
        (-13, -13, false, .state(.f)), (13.1, 13.1, false, .pilotFault(highVolts: 13.1)),
        (7.5, -12, true, .invalid(highVolts: 7.5)), (-1.5, -1.5, false, .invalid(highVolts: -1.5)),
        (-10.5, -10.5, false, .invalid(highVolts: -10.5)), (-13.1, -13.1, false, .pilotFault(highVolts: -13.1)),
    ]

    @Test(arguments: levels)
    func classification(_ row: (high: Double, low: Double, oscillating: Bool, reading: PilotReading)) {
        #expect(
            ControlPilot.classify(highVolts: row.high, lowVolts: row.low, oscillating: row.oscillating) == row.reading)
    }

    static let cables: [(ohms: Double, amps: Double?)] = [
        (1_500, 13), (680, 20), (220, 32), (100, 63), (10, nil), (5_000, nil), (100_000, nil),
    ]

    @Test(arguments: cables)
    func cableRating(_ row: (ohms: Double, amps: Double?)) {
        #expect(CableRating.amps(forOhms: row.ohms) == row.amps)
    }

    @Test("OCPP stop reasons: 2.0.1 names, with 1.6's where they differ")
    func stopReasons() {
        #expect(StopReason.groundFault.rawValue == "GroundFault" && StopReason.groundFault.ocpp16 == "EmergencyStop")
        #expect(StopReason.evDisconnected.ocpp16 == "EVDisconnected")
    }
}
