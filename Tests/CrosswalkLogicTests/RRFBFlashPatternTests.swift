import CrosswalkLogic
import Testing

/// The IA-21 sequence (FHWA Interim Approval 21, condition 5), figures as cited in `Sources/crosswalkd/README.md`.
@Suite struct RRFBFlashPatternTests {
    let pattern = RRFBFlashPattern.ia21

    @Test func oneSequenceLasts800MillisecondsSoSeventyFivePerMinute() {
        #expect(pattern.period == .milliseconds(800))
        #expect(Duration.seconds(60) / pattern.period == 75)
    }

    @Test func stepsAreTheIA21SequenceLeftFirst() {
        let ms = pattern.steps.map { Int($0.duration.components.attoseconds / 1_000_000_000_000_000) }
        #expect(ms == [50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 250])
        let lit = pattern.steps.map { step in (step.left ? "L" : "") + (step.right ? "R" : "") }
        #expect(lit == ["L", "", "R", "", "L", "", "R", "", "LR", "", "LR", ""])
    }

    @Test(arguments: [
        (0, true, false), (49, true, false), (50, false, false), (100, false, true), (200, true, false),
        (300, false, true), (400, true, true), (500, true, true), (549, true, true), (550, false, false),
        (799, false, false), (800, true, false), (1_700, false, true),
    ])
    func indicationsAtOffsetsWithinAndAcrossSequences(milliseconds: Int, left: Bool, right: Bool) {
        let lit = pattern.indications(at: .milliseconds(milliseconds))
        #expect(lit.left == left)
        #expect(lit.right == right)
    }

    @Test func nextChangeIsTheEndOfTheCurrentStep() {
        #expect(pattern.position(at: .milliseconds(10)).nextChange == .milliseconds(50))
        #expect(pattern.position(at: .milliseconds(560)).nextChange == .milliseconds(800))
        #expect(pattern.position(at: .milliseconds(810)) == (step: 0, nextChange: .milliseconds(850)))
    }
}
