public import HAL

/// A triggered waveform: pre-trigger samples, the trigger sample, and post-trigger samples, in g.
public struct Capture: Hashable, Sendable {
    /// Time of the first sample.
    public var start: Timestamp
    /// Output data rate, hertz; sample `i` was taken at `start + i / outputDataRateHz`.
    public var outputDataRateHz: Double
    /// Index of the trigger sample (equal to the number of pre-trigger samples).
    public var triggerIndex: Int
    /// Why the capture was taken, e.g. `alarm: 12.3 mm/s at 18 Hz (z)` or `capture-now`.
    public var reason: String
    /// Samples per axis, g (single precision: the ADXL355's 20 bits fit the 24-bit significand).
    public var samples: Triaxial<[Float]>

    /// A capture of `samples` starting at `start`.
    public init(
        start: Timestamp, outputDataRateHz: Double, triggerIndex: Int, reason: String, samples: Triaxial<[Float]>
    ) {
        precondition(samples.x.count == samples.y.count && samples.y.count == samples.z.count, "axes differ in length")
        self.start = start
        self.outputDataRateHz = outputDataRateHz
        self.triggerIndex = triggerIndex
        self.reason = reason
        self.samples = samples
    }

    /// Samples per axis.
    public var sampleCount: Int { samples.x.count }

    /// Time of the trigger sample.
    public var triggeredAt: Timestamp { start.adding(seconds: Double(triggerIndex) / outputDataRateHz) }

    /// The store's name for the capture: `capture-` and the trigger time in epoch milliseconds, zero-padded to 15
    /// digits so names sort by time, e.g. `capture-001764049725123`.
    public var id: String {
        let digits = String(max(0, triggeredAt.millisecondsSinceEpoch))
        return "capture-" + String(repeating: "0", count: max(0, 15 - digits.count)) + digits
    }
}
