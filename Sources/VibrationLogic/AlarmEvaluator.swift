public import HAL

/// Compares each window's peak particle velocity with the limit at its dominant frequency and raises or clears a
/// vibration alarm, with hysteresis and a minimum hold time so a level hovering at the limit does not chatter.
///
/// Raise: the largest axis PPV ≥ limit. Clear: PPV < limit × (1 − hysteresis) and at least the hold time has passed
/// since the last window at or above the limit. The limit is taken at the velocity-dominant frequency of the
/// governing axis (DIN 4150-3 pairs each component's peak with its frequency).
public struct AlarmEvaluator: Hashable, Sendable {
    /// Limits by dominant frequency.
    public var curve: ThresholdCurve
    /// Fraction below the limit the PPV must fall to clear, e.g. 0.1.
    public var hysteresisFraction: Double
    /// Minimum time the alarm stays raised after the last window at or above the limit, seconds.
    public var holdSeconds: Double
    /// Whether the alarm is raised now.
    public private(set) var isRaised = false
    private var lastExceedance: Timestamp?

    /// An evaluator with explicit parameters.
    public init(curve: ThresholdCurve, hysteresisFraction: Double = 0.1, holdSeconds: Double = 0) {
        self.curve = curve
        self.hysteresisFraction = hysteresisFraction
        self.holdSeconds = holdSeconds
    }

    /// An evaluator with the limit curve, hysteresis and hold time of `settings`.
    public init(settings: VibrationSettings) {
        self.init(
            curve: settings.thresholdCurve, hysteresisFraction: settings.hysteresisFraction,
            holdSeconds: settings.alarmHoldSeconds)
    }

    /// Judges one window; returns an event when the alarm is raised or cleared by it, nil otherwise.
    public mutating func evaluate(_ window: WindowReport) -> AlarmEvent? {
        let axis = window.governingAxis
        let figures = window.axes[axis]
        let frequency = figures.velocityDominantFrequencyHz
        let limit = curve.limit(at: frequency)
        let ppv = figures.ppvMillimetersPerSecond
        let event = { (kind: AlarmEvent.Kind) in
            AlarmEvent(
                kind: kind, at: window.start, axis: axis, ppvMillimetersPerSecond: ppv, frequencyHz: frequency,
                limitMillimetersPerSecond: limit, window: window)
        }
        if ppv >= limit {
            lastExceedance = window.start
            guard !isRaised else { return nil }
            isRaised = true
            return event(.raised)
        }
        guard isRaised, ppv < limit * (1 - hysteresisFraction) else { return nil }
        if let lastExceedance, window.start.seconds(since: lastExceedance) < holdSeconds { return nil }
        isRaised = false
        return event(.cleared)
    }
}

/// A vibration alarm raised or cleared, with the figures of the window that did it (`event/vibration-alarm`).
public struct AlarmEvent: Hashable, Sendable, Codable {
    /// Raised or cleared.
    public enum Kind: String, Hashable, Sendable, Codable {
        case raised
        case cleared
    }

    /// Raised or cleared.
    public var kind: Kind
    /// Start of the window.
    public var at: Timestamp
    /// The axis with the highest PPV.
    public var axis: Axis
    /// That axis's PPV, mm/s.
    public var ppvMillimetersPerSecond: Double
    /// Its velocity-dominant frequency, hertz.
    public var frequencyHz: Double
    /// The limit at that frequency, mm/s.
    public var limitMillimetersPerSecond: Double
    /// All figures of the window.
    public var window: WindowReport

    /// PPV as a fraction of the limit (1 = at the limit).
    public var ratio: Double { limitMillimetersPerSecond > 0 ? ppvMillimetersPerSecond / limitMillimetersPerSecond : 0 }
}
