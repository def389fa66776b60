import Glibc
import HAL
import VibrationLogic

/// vibrationd's own analysis cost, without any transport: the window analysis (filters, RMS, peak, PPV, spectrum)
/// and the capture ring that the daemon runs on every batch of samples, fed synthetic 3-axis data in the batch size
/// the daemon drains (10 ms of samples), timed in process CPU time. The share of one core it needs at an output data
/// rate is that CPU time over the seconds of signal analysed; vibrationd's total on the rig (Benchmarks/bench) minus
/// this share is what the transport costs it.
///   vibration-bench [SECONDS_OF_SIGNAL] [ODR_HZ…]   prints one JSON line per rate
@main
struct VibrationBench {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        let seconds = arguments.first.flatMap { Double($0) } ?? 20
        let rates = arguments.dropFirst().compactMap { Double($0) }
        for rate in rates.isEmpty ? [1_000, 4_000] : rates {
            let cpu = analysisCPUSeconds(rate: rate, seconds: seconds)
            print(
                #"{"odr_hz": \#(rate), "window_s": 1, "axes": 3, "signal_s": \#(seconds), "#
                    + #""cpu_s": \#(cpu), "share_pct": \#(cpu / seconds * 100)}"#)
        }
    }

    /// Process CPU seconds to analyse `seconds` of a 3-axis signal (a 12 Hz and a 40 Hz component on 1 g) at `rate`.
    static func analysisCPUSeconds(rate: Double, seconds: Double) -> Double {
        var settings = VibrationSettings()
        settings.outputDataRateHz = rate
        settings.windowSeconds = 1
        let analyzer = WindowAnalyzer(settings: settings)
        var recorder = CaptureRecorder(settings: settings)
        let batch = max(1, Int(rate / 100))
        let total = Int(seconds * rate)
        // The signal is made before the clock starts: only the daemon's own work is timed.
        let signal = (0..<total).map { sample in
            let t = Double(sample) / rate
            let wave = 0.01 * sin(2 * .pi * 12 * t) + 0.004 * sin(2 * .pi * 40 * t)
            return AccelerationSample(x: wave, y: -wave, z: 1 + wave)
        }
        var windows = 0
        let start = processCPUSeconds()
        var index = 0
        while index < total {
            let samples = signal[index..<min(total, index + batch)]
            let first = Timestamp(secondsSinceEpoch: 1_700_000_000 + Double(index) / rate)
            windows += analyzer.process(samples, firstSampleAt: first).count
            _ = recorder.append(samples, firstSampleAt: first)
            index += batch
        }
        let used = processCPUSeconds() - start
        precondition(windows == Int(seconds), "expected \(Int(seconds)) windows, got \(windows)")
        return used
    }

    static func processCPUSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
