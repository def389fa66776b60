import Foundation
import HAL
import Testing
import VibrationLogic

@Suite struct WindowAnalyzerTests {
    static let amplitude = 2.0

    @Test func tenHertzSineGivesTheTextbookFigures() {
        let analyzer = WindowAnalyzer(settings: VibrationSettings())
        #expect(analyzer.samplesPerWindow == 1_000)
        let samples = Signals.samples(
            count: 6_000, x: Signals.sine(amplitude: Self.amplitude, hz: 10), z: { _ in Signals.g })
        let reports = Signals.analyze(samples, with: analyzer)
        #expect(reports.count == 6)
        #expect(abs(reports[3].start.seconds(since: Signals.t0) - 3) < 1e-9)
        let last = reports[5]
        let x = last.axes.x
        // RMS A/√2, peak A, crest √2, peak-to-peak 2A.
        #expect(abs(x.rmsMetersPerSecondSquared - Self.amplitude / 2.0.squareRoot()) < 1e-6)
        #expect(abs(x.peakMetersPerSecondSquared - Self.amplitude) < 1e-6)
        #expect(abs(x.crestFactor - 2.0.squareRoot()) < 1e-4)
        #expect(abs(x.peakToPeakMetersPerSecondSquared - 2 * Self.amplitude) < 1e-6)
        #expect(abs(x.meanMetersPerSecondSquared) < 1e-9)
        #expect(abs(last.axes.z.meanMetersPerSecondSquared - Signals.g) < 1e-9)
        // 1 Hz bins; interpolation should land well inside one bin.
        #expect(abs(x.dominantFrequencyHz - 10) < 0.05)
        #expect(abs(x.velocityDominantFrequencyHz - 10) < 0.05)
        // Velocity amplitude A/(2π·10) m/s = 31.83 mm/s.
        let expectedPPV = Self.amplitude / (2 * Double.pi * 10) * 1_000
        for report in reports[3...] {
            #expect(abs(report.axes.x.ppvMillimetersPerSecond / expectedPPV - 1) < 0.02)
            #expect(abs(report.vectorPPVMillimetersPerSecond / expectedPPV - 1) < 0.02)
        }
        // Gravity on Z and nothing on Y: no velocity at all.
        #expect(last.axes.y.ppvMillimetersPerSecond < 1e-9)
        #expect(last.axes.z.ppvMillimetersPerSecond < 1e-6)
        #expect(last.governingAxis == .x)
    }

    @Test func dcOffsetsDoNotMakeThePPVDrift() {
        let analyzer = WindowAnalyzer(settings: VibrationSettings())
        // Offsets on every axis, and a cosine so the first sample is not the resting level.
        let samples = Signals.samples(
            count: 60_000, x: { 0.05 * Signals.g + 0.5 * cos(2 * Double.pi * 10 * $0) }, y: { _ in -0.02 * Signals.g },
            z: { _ in Signals.g })
        let reports = Signals.analyze(samples, with: analyzer, batch: 1_024)
        #expect(reports.count == 60)
        let expectedPPV = 0.5 / (2 * Double.pi * 10) * 1_000
        let settled = reports[5...].map(\.axes.x.ppvMillimetersPerSecond)
        for ppv in settled {
            #expect(abs(ppv / expectedPPV - 1) < 0.02)
        }
        // No drift: the last minute's windows agree to 0.1 %.
        let spread = (settled.max() ?? 0) - (settled.min() ?? 0)
        #expect(spread / expectedPPV < 0.001)
        #expect(reports.allSatisfy { $0.axes.y.ppvMillimetersPerSecond < 1e-6 })
        #expect(reports.allSatisfy { $0.axes.z.ppvMillimetersPerSecond < 1e-6 })
    }

    @Test func batchBoundariesDoNotChangeTheFigures() {
        let samples = Signals.samples(
            count: 4_000, x: Signals.sine(amplitude: 1, hz: 7), y: Signals.sine(amplitude: 0.3, hz: 55),
            z: { _ in Signals.g })
        let inOneGo = Signals.analyze(samples, with: WindowAnalyzer(settings: VibrationSettings()), batch: 4_000)
        let inPieces = Signals.analyze(samples, with: WindowAnalyzer(settings: VibrationSettings()), batch: 77)
        #expect(inOneGo.count == 4)
        #expect(inOneGo == inPieces)
    }

    @Test func twentyAndEightyHertzLandInTheirBands() {
        let analyzer = WindowAnalyzer(settings: VibrationSettings())
        let samples = Signals.samples(
            count: 3_000, y: { Signals.sine(amplitude: 1, hz: 20)($0) + Signals.sine(amplitude: 0.5, hz: 80)($0) })
        let report = Signals.analyze(samples, with: analyzer)[2]
        #expect(report.bands == FrequencyBand.defaults)
        let energies = report.axes.y.bandEnergies
        #expect(energies.count == 4)
        // Mean square of a sine is A²/2: 0.5 and 0.125 (m/s²)².
        #expect(energies[0] < 1e-9)
        #expect(abs(energies[1] - 0.5) < 0.005)
        #expect(abs(energies[2] - 0.125) < 0.00125)
        #expect(energies[3] < 1e-9)
        #expect(abs(report.axes.y.dominantFrequencyHz - 20) < 0.05)
        let variance = report.axes.y.rmsMetersPerSecondSquared * report.axes.y.rmsMetersPerSecondSquared
        #expect(abs(energies.reduce(0, +) - variance) < 1e-3)
    }

    @Test func dominantFrequencyBetweenBinsIsInterpolated() {
        let analyzer = WindowAnalyzer(settings: VibrationSettings())
        let samples = Signals.samples(count: 2_000, z: Signals.sine(amplitude: 1, hz: 12.3))
        let report = Signals.analyze(samples, with: analyzer)[1]
        #expect(abs(report.axes.z.dominantFrequencyHz - 12.3) < 0.1)
    }

    @Test func tiltFromTheLowPassedGravityVector() {
        var settings = VibrationSettings()
        settings.outputDataRateHz = 100
        let analyzer = WindowAnalyzer(settings: settings)
        let pitch = 30 * Double.pi / 180
        let roll = 20 * Double.pi / 180
        // X down by 30° of pitch, then Y/Z rolled by 20°.
        let gx = -sin(pitch) * Signals.g
        let gy = cos(pitch) * sin(roll) * Signals.g
        let gz = cos(pitch) * cos(roll) * Signals.g
        let tilted = Signals.samples(count: 200, rate: 100, x: { _ in gx }, y: { _ in gy }, z: { _ in gz })
        let reports = Signals.analyze(tilted, with: analyzer)
        #expect(abs(reports[1].tilt.pitchDegrees - 30) < 1e-6)
        #expect(abs(reports[1].tilt.rollDegrees - 20) < 1e-6)

        // Back to level: the 10 s low-pass follows slowly (after 1 s about 10 % of the way; after 60 s done).
        let level = Signals.samples(count: 6_000, rate: 100, offset: 200, z: { _ in Signals.g })
        let later = Signals.analyze(level, with: analyzer)
        #expect(later[0].tilt.pitchDegrees > 25)
        #expect(abs(later[59].tilt.pitchDegrees) < 0.2)
        #expect(abs(later[59].tilt.rollDegrees) < 0.2)
    }
}
