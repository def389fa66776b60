import Foundation
import Testing
import VibrationLogic

@Suite struct AlarmEvaluatorTests {
    /// Windows of a 30 Hz vibration on X whose velocity amplitude is `levels[i]` mm/s in window `i`.
    ///
    /// Acceleration A·cos(ωt) changes amplitude at window boundaries, where the velocity A/ω·sin(ωt) is zero, so the
    /// steps add no offset to the velocity.
    static func windows(levels: [Double]) -> [WindowReport] {
        let analyzer = WindowAnalyzer(settings: VibrationSettings())
        let omega = 2 * Double.pi * 30
        let samples = Signals.samples(
            count: 1_000 * levels.count,
            x: { time in
                let window = min(levels.count - 1, Int((time + 1e-9).rounded(.down)))
                return levels[window] / 1_000 * omega * cos(omega * time)
            })
        return Signals.analyze(samples, with: analyzer, batch: 500)
    }

    @Test func raisesOnceHoldsInTheHysteresisBandAndClearsBelow() throws {
        // Line 2 at 30 Hz: 10 mm/s; 10 % hysteresis clears below 9 mm/s.
        let levels = [0, 0, 5, 5, 10.5, 9.5, 9.2, 10.3, 9.5, 8.5, 8.5, 10.5]
        let reports = Self.windows(levels: levels)
        #expect(reports.count == levels.count)
        var evaluator = AlarmEvaluator(curve: .din4150(.line2Dwellings), hysteresisFraction: 0.1, holdSeconds: 0)
        var events: [Int: AlarmEvent] = [:]
        for (index, report) in reports.enumerated() {
            if let event = evaluator.evaluate(report) { events[index] = event }
        }
        #expect(events.keys.sorted() == [4, 9, 11])
        #expect(events[4]?.kind == .raised)
        #expect(events[9]?.kind == .cleared)
        #expect(events[11]?.kind == .raised)
        #expect(evaluator.isRaised)

        let raised = try #require(events[4])
        #expect(raised.axis == .x)
        #expect(abs(raised.frequencyHz - 30) < 0.05)
        #expect(abs(raised.limitMillimetersPerSecond - 10) < 0.01)
        // Within 2 %: the step from 5 to 10.5 mm/s rings briefly through the 1 Hz high-passes (measured +1.7 %).
        #expect(abs(raised.ppvMillimetersPerSecond / 10.5 - 1) < 0.02)
        #expect(raised.window == reports[4])
        #expect(abs(raised.ratio - 1.05) < 0.021)
    }

    @Test func holdTimeKeepsTheAlarmAfterTheLastExceedance() {
        let reports = Self.windows(levels: [0, 0, 10.5, 8, 8, 8, 8])
        var evaluator = AlarmEvaluator(curve: .din4150(.line2Dwellings), hysteresisFraction: 0.1, holdSeconds: 3)
        let kinds = reports.map { evaluator.evaluate($0)?.kind }
        // Raised at 2 s; below the clear level from 3 s but held until 5 s.
        #expect(kinds == [nil, nil, .raised, nil, nil, .cleared, nil])
    }

    /// Line 2 at 30 Hz: 10 mm/s, clear below 9 mm/s; raised by the third window.
    static func raisedEvaluator(holdSeconds: Double = 0) -> (AlarmEvaluator, [WindowReport]) {
        let reports = windows(levels: [0, 0, 10.5, 10.5, 8])
        var evaluator = AlarmEvaluator(
            curve: .din4150(.line2Dwellings), hysteresisFraction: 0.1, holdSeconds: holdSeconds)
        let kinds = reports.prefix(3).map { evaluator.evaluate($0)?.kind }
        #expect(kinds == [nil, nil, .raised])
        return (evaluator, reports)
    }

    @Test func theSameDefinitionChangesNothing() {
        var (evaluator, reports) = Self.raisedEvaluator()
        #expect(evaluator.reconfigure(curve: .din4150(.line2Dwellings), hysteresisFraction: 0.1, holdSeconds: 0) == nil)
        #expect(evaluator.isRaised)
        #expect(evaluator.evaluate(reports[3]) == nil)
        #expect(evaluator.evaluate(reports[4])?.kind == .cleared)
    }

    @Test func aLimitAboveTheLevelClearsAtOnceWithTheNewLimit() throws {
        var (evaluator, reports) = Self.raisedEvaluator()
        // Line 1 at 30 Hz: 30 mm/s.
        let reconfigured = evaluator.reconfigure(
            curve: .din4150(.line1Commercial), hysteresisFraction: 0.1, holdSeconds: 0)
        let event = try #require(reconfigured)
        #expect(event.kind == .cleared)
        #expect(event.cause == .reconfigured)
        #expect(abs(event.limitMillimetersPerSecond - 30) < 0.05)
        #expect(event.window == reports[2])
        #expect(!evaluator.isRaised)
        #expect(evaluator.evaluate(reports[3]) == nil)
    }

    @Test func aLevelInTheNewHysteresisBandStaysRaised() {
        var (evaluator, reports) = Self.raisedEvaluator()
        // 11 mm/s: 10.5 is below it but above the clear level of 9.9.
        let flat = ThresholdCurve.custom([ThresholdPoint(frequencyHz: 1, ppvMillimetersPerSecond: 11)])
        #expect(evaluator.reconfigure(curve: flat, hysteresisFraction: 0.1, holdSeconds: 0) == nil)
        #expect(evaluator.isRaised)
        #expect(evaluator.evaluate(reports[3]) == nil)
        let cleared = evaluator.evaluate(reports[4])
        #expect(cleared?.kind == .cleared)
        #expect(cleared?.cause == .window)
    }

    @Test func aShorterHoldClearsAnAlarmOnlyTheHoldKept() {
        var (evaluator, reports) = Self.raisedEvaluator(holdSeconds: 3)
        #expect(evaluator.evaluate(reports[3]) == nil)
        #expect(evaluator.evaluate(reports[4]) == nil, "held: 8 mm/s is below the clear level one second after")
        // A new hysteresis alone does not shorten the hold.
        let wider = evaluator.reconfigure(curve: .din4150(.line2Dwellings), hysteresisFraction: 0.15, holdSeconds: 3)
        #expect(wider == nil)
        #expect(evaluator.isRaised)
        let event = evaluator.reconfigure(curve: .din4150(.line2Dwellings), hysteresisFraction: 0.15, holdSeconds: 0)
        #expect(event?.kind == .cleared)
        #expect(event?.cause == .reconfigured)
        #expect(!evaluator.isRaised)
    }

    @Test func aClearAlarmIsNotRaisedByANewDefinitionOnlyByTheNextWindow() {
        let reports = Self.windows(levels: [0, 0, 8, 8])
        var evaluator = AlarmEvaluator(curve: .din4150(.line2Dwellings), hysteresisFraction: 0.1, holdSeconds: 0)
        #expect(reports.prefix(3).compactMap { evaluator.evaluate($0) }.isEmpty)
        #expect(evaluator.reconfigure(curve: .din4150(.line3Sensitive), hysteresisFraction: 0.1, holdSeconds: 0) == nil)
        #expect(!evaluator.isRaised)
        #expect(evaluator.evaluate(reports[3])?.kind == .raised)
    }

    @Test func settingsChooseCustomThresholdsOverTheStructureClass() {
        var settings = VibrationSettings()
        #expect(AlarmEvaluator(settings: settings).curve == .din4150(.line2Dwellings))
        settings.customThresholds = [ThresholdPoint(frequencyHz: 1, ppvMillimetersPerSecond: 1)]
        let evaluator = AlarmEvaluator(settings: settings)
        #expect(evaluator.curve == .custom(settings.customThresholds))
        #expect(evaluator.holdSeconds == 10)
        #expect(evaluator.hysteresisFraction == 0.1)
    }
}
