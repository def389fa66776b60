public import HAL

/// Keeps the last pre-trigger seconds of samples in a ring buffer; after ``trigger(reason:)`` it records the
/// post-trigger seconds and hands back a finished ``Capture``.
///
/// The trigger sample is the first sample appended after the trigger; it lands at index ``preTriggerSampleCount``
/// (fewer when the recorder has not yet seen that many samples), and the capture holds pre + post samples.
/// A trigger while a capture is in progress is ignored. New lengths (``setLengths(preTriggerSeconds:postTriggerSeconds:)``)
/// apply from the next capture; a capture that cannot go on (a new output data rate) is ended with ``endEarly()``.
public struct CaptureRecorder: Sendable {
    /// Output data rate, hertz.
    public let outputDataRateHz: Double
    /// Samples kept from before the trigger.
    public private(set) var preTriggerSampleCount: Int
    /// Samples recorded from the trigger sample on by the next capture (one in progress keeps the count it was
    /// triggered with).
    public private(set) var postTriggerSampleCount: Int

    private var ring: [AccelerationSample] = []
    /// Index of the oldest sample once the ring is full.
    private var ringOldest = 0
    private var pending: Pending?

    private struct Pending: Sendable {
        var reason: String
        var triggerIndex: Int
        var postTriggerSampleCount: Int
        var samples: [AccelerationSample]
        var start: Timestamp?
    }

    /// A recorder for `outputDataRateHz` keeping `preTriggerSeconds` and recording `postTriggerSeconds`.
    public init(outputDataRateHz: Double, preTriggerSeconds: Double, postTriggerSeconds: Double) {
        self.outputDataRateHz = outputDataRateHz
        (preTriggerSampleCount, postTriggerSampleCount) = Self.sampleCounts(
            outputDataRateHz: outputDataRateHz, preTriggerSeconds: preTriggerSeconds,
            postTriggerSeconds: postTriggerSeconds)
        ring.reserveCapacity(preTriggerSampleCount)
    }

    private static func sampleCounts(outputDataRateHz: Double, preTriggerSeconds: Double, postTriggerSeconds: Double)
        -> (pre: Int, post: Int)
    {
        (
            max(0, Int((preTriggerSeconds * outputDataRateHz).rounded())),
            max(1, Int((postTriggerSeconds * outputDataRateHz).rounded()))
        )
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
        var samples = history
        let triggerIndex = samples.count
        samples.reserveCapacity(triggerIndex + postTriggerSampleCount)
        pending = Pending(
            reason: reason, triggerIndex: triggerIndex, postTriggerSampleCount: postTriggerSampleCount,
            samples: samples, start: nil)
        return true
    }

    /// The pre-trigger history, oldest first.
    private var history: [AccelerationSample] { Array(ring[ringOldest...] + ring[..<ringOldest]) }

    /// Takes new capture lengths at the same output data rate without losing anything: a capture in progress ends
    /// with the post-trigger length it was triggered with (what the operator was told), and the history keeps its
    /// newest `preTriggerSeconds`, so a trigger right after still has its pre-trigger samples.
    public mutating func setLengths(preTriggerSeconds: Double, postTriggerSeconds: Double) {
        let counts = Self.sampleCounts(
            outputDataRateHz: outputDataRateHz, preTriggerSeconds: preTriggerSeconds,
            postTriggerSeconds: postTriggerSeconds)
        postTriggerSampleCount = counts.post
        guard counts.pre != preTriggerSampleCount else { return }
        // Oldest first from index 0: `remember` appends until the ring is full, then overwrites from `ringOldest`.
        ring = Array(history.suffix(counts.pre))
        ringOldest = 0
        preTriggerSampleCount = counts.pre
    }

    /// What ending a capture early left.
    public enum EarlyEnd: Sendable, Hashable {
        /// The samples recorded so far: the history, the trigger sample and part of the post-trigger seconds.
        case truncated(Capture)
        /// The trigger sample had not been appended yet: nothing of what the capture was triggered for was recorded.
        /// Carries the trigger's reason.
        case empty(reason: String)
    }

    /// Ends the capture in progress with the samples it holds, for when they and the samples to come cannot share
    /// one capture (a new output data rate). Nil when no capture is in progress.
    public mutating func endEarly() -> EarlyEnd? {
        guard let current = pending else { return nil }
        pending = nil
        guard current.start != nil, current.samples.count > current.triggerIndex else {
            return .empty(reason: current.reason)
        }
        return .truncated(Self.capture(from: current, outputDataRateHz: outputDataRateHz))
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
                if current.samples.count == current.triggerIndex + current.postTriggerSampleCount {
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
