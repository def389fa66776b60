public import HAL

/// The figures of one analysis window, per axis and combined.
public struct WindowReport: Hashable, Sendable, Codable {
    /// Time of the window's first sample.
    public var start: Timestamp
    /// Samples in the window.
    public var sampleCount: Int
    /// Output data rate the window was sampled at, hertz.
    public var outputDataRateHz: Double
    /// Per-axis figures.
    public var axes: Triaxial<AxisFigures>
    /// Peak of the vector sum √(vx² + vy² + vz²) of the velocity over the window, mm/s.
    public var vectorPPVMillimetersPerSecond: Double
    /// Static tilt from the low-passed gravity vector at the end of the window.
    public var tilt: Tilt
    /// The bands of ``AxisFigures/bandEnergies``, in the same order.
    public var bands: [FrequencyBand]

    /// Window length, seconds.
    public var durationSeconds: Double { Double(sampleCount) / outputDataRateHz }

    /// The axis with the highest PPV (DIN 4150-3 assesses the largest of the three components).
    public var governingAxis: Axis {
        Axis.allCases.max { axes[$0].ppvMillimetersPerSecond < axes[$1].ppvMillimetersPerSecond } ?? .z
    }
}

/// The figures of one axis over one window. Acceleration figures are of the signal in m/s².
public struct AxisFigures: Hashable, Sendable, Codable {
    /// Mean acceleration (gravity and offset), m/s².
    public var meanMetersPerSecondSquared: Double
    /// Root mean square of the mean-removed acceleration, m/s².
    public var rmsMetersPerSecondSquared: Double
    /// Largest |a − mean|, m/s².
    public var peakMetersPerSecondSquared: Double
    /// Largest minus smallest acceleration, m/s².
    public var peakToPeakMetersPerSecondSquared: Double
    /// Peak over RMS (√2 for a sine); 0 for a flat signal.
    public var crestFactor: Double
    /// Peak particle velocity: largest |v| of the high-passed, integrated velocity, mm/s.
    public var ppvMillimetersPerSecond: Double
    /// Frequency of the largest acceleration spectrum line (Hann window, interpolated between bins), hertz.
    public var dominantFrequencyHz: Double
    /// Frequency of the largest velocity spectrum line, hertz: the "dominant frequency" DIN 4150-3 pairs with the
    /// PPV (acceleration weights high frequencies by 2πf, which would pick a less strict limit).
    public var velocityDominantFrequencyHz: Double
    /// Mean-square acceleration in each band of ``WindowReport/bands``, (m/s²)²; the bands sum to the variance of
    /// the window (Parseval, with the Hann window's power normalised out).
    public var bandEnergies: [Double]
}

/// Static inclination of the sensor from the gravity vector.
public struct Tilt: Hashable, Sendable, Codable {
    /// Rotation about the Y axis, degrees: atan2(−gx, √(gy² + gz²)); positive when the X axis points up.
    public var pitchDegrees: Double
    /// Rotation about the X axis, degrees: atan2(gy, gz).
    public var rollDegrees: Double

    /// A tilt of `pitchDegrees` and `rollDegrees`.
    public init(pitchDegrees: Double, rollDegrees: Double) {
        self.pitchDegrees = pitchDegrees
        self.rollDegrees = rollDegrees
    }
}
