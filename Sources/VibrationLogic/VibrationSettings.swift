/// Every tunable of a vibration gauge: sampling, analysis window, filters, alarm limits and captures.
///
/// Defaults suit an ADXL355 at 1 000 Hz on a dwelling (DIN 4150-3 line 2); customize to suit your situation. Read
/// from the `device` section of the agent configuration with ``read(_:_:at:)``.
public struct VibrationSettings: Hashable, Sendable, Codable {
    /// Output data rate of the accelerometer, hertz (ADXL355 `Filter` register ODR: 4000 down to 3.906 Hz).
    public var outputDataRateHz = 1_000.0
    /// Length of one analysis window, seconds.
    public var windowSeconds = 1.0
    /// Corner of the second-order Butterworth high-pass applied before and after integrating to velocity, hertz.
    public var highPassCornerHz = 1.0
    /// Time constant of the first-order low-pass that extracts the gravity vector for tilt, seconds.
    public var tiltTimeConstantSeconds = 10.0
    /// Bands for the band energies.
    public var bands = FrequencyBand.defaults
    /// DIN 4150-3 structure class whose guideline values are the alarm limits (unless ``customThresholds`` is set).
    public var structureClass = DIN4150Class.line2Dwellings
    /// Custom alarm limits; when not empty they replace the DIN 4150-3 values. Sorted by frequency.
    public var customThresholds: [ThresholdPoint] = []
    /// An alarm clears once the PPV falls below limit × (1 − this); 0.1 is 10 %.
    public var hysteresisFraction = 0.1
    /// An alarm stays raised at least this long after the last window at or above the limit, seconds.
    public var alarmHoldSeconds = 10.0
    /// Triggered captures.
    public var capture = CaptureSettings()

    /// The defaults.
    public init() {}

    /// Samples per analysis window: ``windowSeconds`` × ``outputDataRateHz``, rounded.
    public var samplesPerWindow: Int { max(2, Int((windowSeconds * outputDataRateHz).rounded())) }

    /// The alarm limit curve: the custom points if any, else the structure class.
    public var thresholdCurve: ThresholdCurve {
        customThresholds.isEmpty ? .din4150(structureClass) : .custom(customThresholds)
    }

    /// The ADXL355 output data rates (datasheet, `Filter` register 0x28, ODR_LPF field), hertz.
    public static let adxl355OutputDataRates: [Double] = [
        4_000, 2_000, 1_000, 500, 250, 125, 62.5, 31.25, 15.625, 7.813, 3.906,
    ]
}

/// Capture lengths and the bounds of the capture store.
public struct CaptureSettings: Hashable, Sendable, Codable {
    /// Waveform kept from before the trigger, seconds.
    public var preTriggerSeconds = 2.0
    /// Waveform recorded from the trigger sample on, seconds.
    public var postTriggerSeconds = 5.0
    /// Most captures kept in the store; the oldest go first.
    public var maxCount = 20
    /// Most bytes of captures kept in the store; the oldest go first.
    public var maxTotalBytes = 64 * 1_024 * 1_024

    /// The defaults.
    public init() {}
}
