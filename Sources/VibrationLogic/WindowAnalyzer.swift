import FoundationEssentials
import Glibc
public import HAL

/// Cuts a continuous stream of accelerometer samples into windows and computes each window's figures: statistics,
/// peak particle velocity, spectrum (FFTW, Hann window) and tilt.
///
/// Filter and tilt state carry across windows, so consecutive windows are continuous. Not `Sendable`: it owns an
/// FFTW plan and scratch buffers, so one task (the daemon's analysis actor) owns the analyzer.
public final class WindowAnalyzer {
    /// The settings it was made with.
    public let settings: VibrationSettings
    /// Samples per window.
    public let samplesPerWindow: Int

    private let fft: RealFFT
    private let hann: [Double]
    /// Scales |X_k|² to the mean square contributed by bin k (one-sided, Hann power removed).
    private let binScale: Double
    private var integrators: Triaxial<VelocityIntegrator>
    private var acceleration: Triaxial<[Double]>
    private var velocity: Triaxial<[Double]>
    private var windowStart: Timestamp?
    private var gravity: Triaxial<Double>?
    private let gravityAlpha: Double

    /// An analyzer for `settings`; plans the FFT of one window length once.
    public init(settings: VibrationSettings) {
        self.settings = settings
        let count = settings.samplesPerWindow
        samplesPerWindow = count
        fft = RealFFT(length: count)
        // Periodic Hann: a sine on a bin centre leaks into exactly its two neighbours at a quarter of the power.
        hann = (0..<count).map { 0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(count)) }
        binScale = 1 / (Double(count) * hann.reduce(0) { $0 + $1 * $1 })
        let integrator = VelocityIntegrator(
            cornerHz: settings.highPassCornerHz, sampleRateHz: settings.outputDataRateHz)
        integrators = Triaxial(x: integrator, y: integrator, z: integrator)
        acceleration = Triaxial(x: [], y: [], z: [])
        velocity = Triaxial(x: [], y: [], z: [])
        for axis in Axis.allCases {
            acceleration[axis].reserveCapacity(count)
            velocity[axis].reserveCapacity(count)
        }
        let interval = 1 / settings.outputDataRateHz
        gravityAlpha = interval / (settings.tiltTimeConstantSeconds + interval)
    }

    /// Whether this analyzer computes what one made for `settings` would: the same output data rate, window,
    /// high-pass corner, tilt time constant and bands. Such an analyzer carries on (its window and filter state
    /// stay) when other settings change.
    public func analyses(like settings: VibrationSettings) -> Bool {
        settings.outputDataRateHz == self.settings.outputDataRateHz
            && settings.samplesPerWindow == samplesPerWindow
            && settings.highPassCornerHz == self.settings.highPassCornerHz
            && settings.tiltTimeConstantSeconds == self.settings.tiltTimeConstantSeconds
            && settings.bands == self.settings.bands
    }

    /// Feeds consecutive samples, the first taken at `start` and the rest at the output data rate; returns the
    /// windows completed by them (none, one, or several for a long batch).
    public func process(_ samples: some Sequence<AccelerationSample>, firstSampleAt start: Timestamp) -> [WindowReport]
    {
        var reports: [WindowReport] = []
        for (offset, sample) in samples.enumerated() {
            if windowStart == nil {
                windowStart = start.adding(seconds: Double(offset) / settings.outputDataRateHz)
            }
            for axis in Axis.allCases {
                let metersPerSecondSquared = sample[axis] * AccelerationSample.standardGravity
                acceleration[axis].append(metersPerSecondSquared)
                velocity[axis].append(integrators[axis].step(metersPerSecondSquared))
            }
            updateGravity(sample)
            if acceleration.x.count == samplesPerWindow {
                reports.append(finishWindow())
            }
        }
        return reports
    }

    private func updateGravity(_ sample: AccelerationSample) {
        guard var current = gravity else {
            gravity = Triaxial(x: sample.x, y: sample.y, z: sample.z)
            return
        }
        for axis in Axis.allCases {
            current[axis] += gravityAlpha * (sample[axis] - current[axis])
        }
        gravity = current
    }

    private func finishWindow() -> WindowReport {
        let figures = Triaxial(
            x: axisFigures(acceleration.x, velocity.x), y: axisFigures(acceleration.y, velocity.y),
            z: axisFigures(acceleration.z, velocity.z))
        var vectorPeak = 0.0
        for index in 0..<samplesPerWindow {
            let (vx, vy, vz) = (velocity.x[index], velocity.y[index], velocity.z[index])
            vectorPeak = max(vectorPeak, (vx * vx + vy * vy + vz * vz).squareRoot())
        }
        let report = WindowReport(
            start: windowStart ?? Timestamp(secondsSinceEpoch: 0), sampleCount: samplesPerWindow,
            outputDataRateHz: settings.outputDataRateHz, axes: figures,
            vectorPPVMillimetersPerSecond: vectorPeak * 1_000, tilt: currentTilt, bands: settings.bands)
        for axis in Axis.allCases {
            acceleration[axis].removeAll(keepingCapacity: true)
            velocity[axis].removeAll(keepingCapacity: true)
        }
        windowStart = nil
        return report
    }

    private var currentTilt: Tilt {
        guard let gravity else { return Tilt(pitchDegrees: 0, rollDegrees: 0) }
        let degreesPerRadian = 180 / Double.pi
        return Tilt(
            pitchDegrees: atan2(-gravity.x, (gravity.y * gravity.y + gravity.z * gravity.z).squareRoot())
                * degreesPerRadian,
            rollDegrees: atan2(gravity.y, gravity.z) * degreesPerRadian)
    }

    private func axisFigures(_ signal: [Double], _ velocity: [Double]) -> AxisFigures {
        let count = Double(signal.count)
        let mean = signal.reduce(0, +) / count
        var sumOfSquares = 0.0
        var peak = 0.0
        var minimum = Double.infinity
        var maximum = -Double.infinity
        for value in signal {
            let deviation = value - mean
            sumOfSquares += deviation * deviation
            peak = max(peak, abs(deviation))
            minimum = min(minimum, value)
            maximum = max(maximum, value)
        }
        let rms = (sumOfSquares / count).squareRoot()
        let ppv = velocity.reduce(0) { max($0, abs($1)) }
        let accelerationSpectrum = meanSquarePerBin(signal, mean: mean)
        let velocityMean = velocity.reduce(0, +) / count
        let velocitySpectrum = meanSquarePerBin(velocity, mean: velocityMean)
        let binWidth = settings.outputDataRateHz / count
        let bandEnergies = settings.bands.map { band in
            accelerationSpectrum.indices.reduce(0.0) { sum, bin in
                band.contains(Double(bin) * binWidth) ? sum + accelerationSpectrum[bin] : sum
            }
        }
        return AxisFigures(
            meanMetersPerSecondSquared: mean, rmsMetersPerSecondSquared: rms, peakMetersPerSecondSquared: peak,
            peakToPeakMetersPerSecondSquared: maximum - minimum, crestFactor: rms > 0 ? peak / rms : 0,
            ppvMillimetersPerSecond: ppv * 1_000,
            dominantFrequencyHz: Self.dominantBin(accelerationSpectrum) * binWidth,
            velocityDominantFrequencyHz: Self.dominantBin(velocitySpectrum) * binWidth, bandEnergies: bandEnergies)
    }

    /// The one-sided spectrum of the mean-removed, Hann-windowed `signal`, as mean square per bin: the bins sum to
    /// the signal's variance.
    private func meanSquarePerBin(_ signal: [Double], mean: Double) -> [Double] {
        let windowed = signal.indices.map { (signal[$0] - mean) * hann[$0] }
        var spectrum = fft.squaredMagnitudes(of: windowed)
        let count = signal.count
        for bin in spectrum.indices {
            // Bins other than DC and Nyquist stand for a positive and a negative frequency.
            let isEdge = bin == 0 || (count % 2 == 0 && bin == count / 2)
            spectrum[bin] *= binScale * (isEdge ? 1 : 2)
        }
        return spectrum
    }

    /// The fractional bin of the spectrum's largest line above DC: the peak bin refined by fitting a parabola
    /// through the logarithms of it and its neighbours (exact for a Gaussian peak, within a few hundredths of a bin
    /// for a Hann window). 0 for a flat spectrum.
    static func dominantBin(_ spectrum: [Double]) -> Double {
        guard spectrum.count > 2 else { return 0 }
        var best = 1
        for bin in 2..<spectrum.count where spectrum[bin] > spectrum[best] { best = bin }
        guard spectrum[best] > 0 else { return 0 }
        guard best + 1 < spectrum.count else { return Double(best) }
        let floor = spectrum[best] * 1e-30
        let (left, centre, right) = (
            log(max(spectrum[best - 1], floor)), log(spectrum[best]), log(max(spectrum[best + 1], floor))
        )
        let curvature = left - 2 * centre + right
        guard curvature < 0 else { return Double(best) }
        let offset = 0.5 * (left - right) / curvature
        return Double(best) + max(-0.5, min(0.5, offset))
    }
}
