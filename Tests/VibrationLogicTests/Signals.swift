import Foundation
import HAL
import VibrationLogic

/// Synthetic accelerometer signals with known answers.
enum Signals {
    static let g = AccelerationSample.standardGravity
    static let t0 = Timestamp(secondsSinceEpoch: 1_764_000_000)

    /// `count` samples at `rate` Hz starting at sample `offset`, each axis given in m/s² by a function of time.
    static func samples(
        count: Int, rate: Double = 1_000, offset: Int = 0, x: (Double) -> Double = { _ in 0 },
        y: (Double) -> Double = { _ in 0 }, z: (Double) -> Double = { _ in 0 }
    ) -> [AccelerationSample] {
        (offset..<(offset + count)).map { index in
            let time = Double(index) / rate
            return AccelerationSample(x: x(time) / g, y: y(time) / g, z: z(time) / g)
        }
    }

    /// Feeds `samples` to `analyzer` in batches of `batch` (not aligned to windows) and collects the windows.
    static func analyze(_ samples: [AccelerationSample], with analyzer: WindowAnalyzer, batch: Int = 300)
        -> [WindowReport]
    {
        var reports: [WindowReport] = []
        var index = 0
        while index < samples.count {
            let end = min(index + batch, samples.count)
            reports += analyzer.process(
                samples[index..<end],
                firstSampleAt: t0.adding(seconds: Double(index) / analyzer.settings.outputDataRateHz))
            index = end
        }
        return reports
    }

    static func sine(amplitude: Double, hz: Double) -> (Double) -> Double {
        { amplitude * sin(2 * Double.pi * hz * $0) }
    }
}
