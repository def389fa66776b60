import HAL

/// The flash sequence of a rectangular rapid-flashing beacon (RRFB) unit's two yellow indications, per FHWA Interim
/// Approval IA-21 (March 20, 2018), condition 5: 75 sequences per minute, each 800 ms, left and right alternating,
/// then both together, then a long dark gap. The sources and what could be confirmed are in
/// `Sources/crosswalkd/README.md`.
public struct RRFBFlashPattern: Sendable, Hashable {
    /// One step of the sequence: which indications are lit, for how long.
    public struct Step: Sendable, Hashable {
        public var left: Bool
        public var right: Bool
        public var duration: Duration

        public init(left: Bool, right: Bool, duration: Duration) {
            self.left = left
            self.right = right
            self.duration = duration
        }
    }

    public let steps: [Step]
    /// The length of one sequence: the steps' durations added up.
    public let period: Duration

    public init(steps: [Step]) {
        precondition(!steps.isEmpty && steps.allSatisfy { $0.duration > .zero }, "a flash pattern needs timed steps")
        self.steps = steps
        period = steps.reduce(.zero) { $0 + $1.duration }
    }

    /// IA-21 condition 5d: left 50, dark 50, right 50, dark 50, left 50, dark 50, right 50, dark 50, both 50, dark 50,
    /// both 50, dark 250 (ms) — 800 ms, so 75 sequences a minute (condition 5c).
    public static let ia21: RRFBFlashPattern = {
        let flash = Duration.milliseconds(50)
        func on(_ left: Bool, _ right: Bool) -> Step { Step(left: left, right: right, duration: flash) }
        let dark = Step(left: false, right: false, duration: flash)
        return RRFBFlashPattern(steps: [
            on(true, false), dark, on(false, true), dark, on(true, false), dark, on(false, true), dark,
            on(true, true), dark, on(true, true), Step(left: false, right: false, duration: .milliseconds(250)),
        ])
    }()

    /// Where in the sequence `elapsed` (since the pattern started) falls: the step's index and when the next step
    /// begins, measured from the same start.
    public func position(at elapsed: Duration) -> (step: Int, nextChange: Duration) {
        let elapsed = max(elapsed, .zero)
        let cycles = elapsed.totalNanoseconds / period.totalNanoseconds
        let cycleStart = period * Int(cycles)
        var stepEnd = cycleStart
        for (index, step) in steps.enumerated() {
            stepEnd += step.duration
            if elapsed < stepEnd { return (index, stepEnd) }
        }
        preconditionFailure("elapsed \(elapsed) beyond one period \(period) of \(cycleStart)")
    }

    /// The indications lit `elapsed` after the pattern started.
    public func indications(at elapsed: Duration) -> (left: Bool, right: Bool) {
        let step = steps[position(at: elapsed).step]
        return (step.left, step.right)
    }
}
