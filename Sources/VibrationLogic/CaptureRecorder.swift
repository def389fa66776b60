public import HAL

/// Keeps the last pre-trigger seconds of samples in a ring buffer; after ``trigger(reason:)`` it records the
/// post-trigger seconds and hands back a finished ``Capture``.
///
/// The trigger sample is the first sample appended after the trigger; it lands at index ``preTriggerSampleCount``
/// (fewer when the recorder has not yet seen that many samples), and the capture holds pre + post samples.
/// A trigger while a capture is in progress is ignored.
public struct CaptureRecorder: Sendable {
    /// Output data rate, hertz.
    public let outputDataRateHz: Double
    /// Samples kept from before the trigger.
    public let preTriggerSampleCount: Int
    /// Samples recorded from the trigger sample on.
    public let postTriggerSampleCount: Int

    private var ring: [AccelerationSample] = []
    /// Index of the oldest sample once the ring is full.
    private var ringOldest = 0
    private var pending: Pending?

    private struct Pending: Sendable {
        var reason: String
        var triggerIndex: Int
        var samples: [AccelerationSample]
        var start: Timestamp?
    }

    /// A recorder for `outputDataRateHz` keeping `preTriggerSeconds` and recording `postTriggerSeconds`.
    public init(outputDataRateHz: Double, preTriggerSeconds: Double, postTriggerSeconds: Double) {
        self.outputDataRateHz = outputDataRateHz
        preTriggerSampleCount = max(0, Int((preTriggerSeconds * outputDataRateHz).rounded()))
        postTriggerSampleCount = max(1, Int((postTriggerSeconds * outputDataRateHz).rounded()))
        ring.reserveCapacity(preTriggerSampleCount)
    }

    /// A recorder with the output data rate and capture lengths of `settings`.
    public init(settings: VibrationSettings) {
        self.init(
            outputDataRateHz: settings.outputDataRateHz, preTriggerSeconds: settings.capture.preTriggerSeconds,
            postTriggerSeconds: settings.capture.postTriggerSeconds)
    }

    /// Whether a capture is being recorded.
    public var isCapturing: Bool { pending != nil }

    /// Starts a capture whose trigger sample is the next one appended; false (and nothing changes) when a capture
    /// is already in progress.
    @discardableResult
    public mutating func trigger(reason: String) -> Bool {
        guard pending == nil else { return false }
        let history = Array(ring[ringOldest...] + ring[..<ringOldest])
        var samples = history
        samples.reserveCapacity(history.count + postTriggerSampleCount)
        pending = Pending(reason: reason, triggerIndex: history.count, samples: samples, start: nil)
        return true
    }

    /// Feeds consecutive samples, the first taken at `start`; returns the captures they complete.
    public mutating func append(_ samples: some Sequence<AccelerationSample>, firstSampleAt start: Timestamp)
        -> [Capture]
    {
        var finished: [Capture] = []
        for (offset, sample) in samples.enumerated() {
            if var current = pending {
                // Release the stored copy first so the append below does not copy the whole buffer.
                pending = nil
                if current.start == nil {
                    let triggerTime = start.adding(seconds: Double(offset) / outputDataRateHz)
                    current.start = triggerTime.adding(seconds: -Double(current.triggerIndex) / outputDataRateHz)
                }
                current.samples.append(sample)
                if current.samples.count == current.triggerIndex + postTriggerSampleCount {
                    finished.append(Self.capture(from: current, outputDataRateHz: outputDataRateHz))
                } else {
                    pending = current
                }
            }
            remember(sample)
        }
        return finished
    }

    private mutating func remember(_ sample: AccelerationSample) {
        guard preTriggerSampleCount > 0 else { return }
        if ring.count < preTriggerSampleCount {
            ring.append(sample)
        } else {
            ring[ringOldest] = sample
            ringOldest = (ringOldest + 1) % preTriggerSampleCount
        }
    }

    private static func capture(from pending: Pending, outputDataRateHz: Double) -> Capture {
        Capture(
            start: pending.start ?? Timestamp(secondsSinceEpoch: 0), outputDataRateHz: outputDataRateHz,
            triggerIndex: pending.triggerIndex, reason: pending.reason,
            samples: Triaxial(
                x: pending.samples.map { Float($0.x) }, y: pending.samples.map { Float($0.y) },
                z: pending.samples.map { Float($0.z) }))
    }
}
