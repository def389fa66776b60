public import HAL

/// Compares each window's peak particle velocity with the limit at its dominant frequency and raises or clears a
/// vibration alarm, with hysteresis and a minimum hold time so a level hovering at the limit does not chatter.
///
/// Raise: the largest axis PPV ≥ limit. Clear: PPV < limit × (1 − hysteresis) and at least the hold time has passed
/// since the last window at or above the limit. The limit is taken at the velocity-dominant frequency of the
/// governing axis (DIN 4150-3 pairs each component's peak with its frequency).
///
/// A new definition (``reconfigure(curve:hysteresisFraction:holdSeconds:)``) keeps the alarm's state: a raised alarm
/// is judged again on the last window with the new limit, hysteresis and hold, and clears there (cause
/// `reconfigured`) only if it would not have stayed raised under them; it is never raised twice.
public struct AlarmEvaluator: Hashable, Sendable {
    /// Limits by dominant frequency.
    public private(set) var curve: ThresholdCurve
    /// Fraction below the limit the PPV must fall to clear, e.g. 0.1.
    public private(set) var hysteresisFraction: Double
    /// Minimum time the alarm stays raised after the last window at or above the limit, seconds.
    public private(set) var holdSeconds: Double
    /// Whether the alarm is raised now.
    public private(set) var isRaised = false
    private var lastExceedance: Timestamp?
    /// The last window judged: what a new definition is judged on.
    private var lastWindow: WindowReport?

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
        lastWindow = window
        return judge(window, cause: .window)
    }

    /// Takes the limit curve, hysteresis and hold time of `settings`; see
    /// ``reconfigure(curve:hysteresisFraction:holdSeconds:)``.
    public mutating func reconfigure(_ settings: VibrationSettings) -> AlarmEvent? {
        reconfigure(
            curve: settings.thresholdCurve, hysteresisFraction: settings.hysteresisFraction,
            holdSeconds: settings.alarmHoldSeconds)
    }

    /// Takes a new alarm definition without forgetting the alarm; returns the `cleared` event (cause `reconfigured`)
    /// when a raised alarm no longer holds under it, nil otherwise.
    ///
    /// A raised alarm is judged again on the last window by the usual rule: it stays raised while that window's PPV
    /// is at or above the new limit × (1 − hysteresis), or the new hold time has not passed since the last window at
    /// or above the limit. A new curve forgets that last exceedance (it was of the old limit) and counts the last
    /// window only if it exceeds the new one. A clear alarm is not judged here: the next measured window raises it
    /// if the new limit is exceeded, with figures measured under the new settings. The same definition changes
    /// nothing.
    public mutating func reconfigure(curve: ThresholdCurve, hysteresisFraction: Double, holdSeconds: Double)
        -> AlarmEvent?
    {
        guard curve != self.curve || hysteresisFraction != self.hysteresisFraction || holdSeconds != self.holdSeconds
        else { return nil }
        if curve != self.curve { lastExceedance = nil }
        self.curve = curve
        self.hysteresisFraction = hysteresisFraction
        self.holdSeconds = holdSeconds
        guard isRaised, let lastWindow else { return nil }
        return judge(lastWindow, cause: .reconfigured)
    }

    /// The usual rule on `window`; only a measured window (`cause == .window`) may raise.
    private mutating func judge(_ window: WindowReport, cause: AlarmEvent.Cause) -> AlarmEvent? {
        let axis = window.governingAxis
        let figures = window.axes[axis]
        let frequency = figures.velocityDominantFrequencyHz
        let limit = curve.limit(at: frequency)
        let ppv = figures.ppvMillimetersPerSecond
        let event = { (kind: AlarmEvent.Kind) in
            AlarmEvent(
                kind: kind, at: window.start, axis: axis, ppvMillimetersPerSecond: ppv, frequencyHz: frequency,
                limitMillimetersPerSecond: limit, window: window, cause: cause)
        }
        if ppv >= limit {
            lastExceedance = window.start
            guard !isRaised, cause == .window else { return nil }
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

    /// What decided the event.
    public enum Cause: String, Hashable, Sendable, Codable {
        /// A measured window.
        case window
        /// A new alarm definition (limit curve, hysteresis, hold time) applied while the alarm was raised.
        case reconfigured
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
    /// A measured window, or a new definition judged on the last window.
    public var cause: Cause = .window

    /// PPV as a fraction of the limit (1 = at the limit).
    public var ratio: Double { limitMillimetersPerSecond > 0 ? ppvMillimetersPerSecond / limitMillimetersPerSecond : 0 }
}
