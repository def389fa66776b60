import FoundationEssentials
import Glibc

/// A second-order IIR section in transposed direct form II, with its state (so consecutive windows are continuous).
struct Biquad: Hashable, Sendable {
    private let b0: Double
    private let b1: Double
    private let b2: Double
    private let a1: Double
    private let a2: Double
    private var state1 = 0.0
    private var state2 = 0.0

    /// A second-order Butterworth high-pass at `cornerHz` for `sampleRateHz`, by the bilinear transform with the
    /// corner pre-warped (RBJ Audio EQ Cookbook with Q = 1/√2).
    static func butterworthHighPass(cornerHz: Double, sampleRateHz: Double) -> Biquad {
        let k = tan(Double.pi * cornerHz / sampleRateHz)
        let root2 = 2.0.squareRoot()
        let norm = 1 / (1 + root2 * k + k * k)
        return Biquad(
            b0: norm, b1: -2 * norm, b2: norm, a1: 2 * (k * k - 1) * norm, a2: (1 - root2 * k + k * k) * norm)
    }

    private init(b0: Double, b1: Double, b2: Double, a1: Double, a2: Double) {
        self.b0 = b0
        self.b1 = b1
        self.b2 = b2
        self.a1 = a1
        self.a2 = a2
    }

    /// Sets the state as if `input` had been applied forever, so a constant input (gravity, a sensor offset)
    /// produces no start-up transient.
    mutating func settle(at input: Double) {
        let denominator = 1 + a1 + a2
        let output = denominator == 0 ? 0 : (b0 + b1 + b2) / denominator * input
        state2 = b2 * input - a2 * output
        state1 = b1 * input - a1 * output + state2
    }

    /// Filters one sample.
    mutating func step(_ input: Double) -> Double {
        let output = b0 * input + state1
        state1 = b1 * input - a1 * output + state2
        state2 = b2 * input - a2 * output
        return output
    }
}

/// Acceleration (m/s²) to velocity (m/s): high-pass, trapezoidal integration, high-pass again; the high-passes
/// remove the offset and the integration drift that would otherwise grow without bound.
struct VelocityIntegrator: Hashable, Sendable {
    private var accelerationFilter: Biquad
    private var velocityFilter: Biquad
    private let halfInterval: Double
    private var previousAcceleration = 0.0
    private var velocity = 0.0
    private var started = false

    init(cornerHz: Double, sampleRateHz: Double) {
        accelerationFilter = .butterworthHighPass(cornerHz: cornerHz, sampleRateHz: sampleRateHz)
        velocityFilter = .butterworthHighPass(cornerHz: cornerHz, sampleRateHz: sampleRateHz)
        halfInterval = 0.5 / sampleRateHz
    }

    /// Takes one acceleration sample and returns the velocity at that sample.
    mutating func step(_ acceleration: Double) -> Double {
        if !started {
            // Treat the first reading as the resting level (gravity plus offset): no step at switch-on.
            accelerationFilter.settle(at: acceleration)
            velocityFilter.settle(at: 0)
            started = true
        }
        let filtered = accelerationFilter.step(acceleration)
        velocity += (previousAcceleration + filtered) * halfInterval
        previousAcceleration = filtered
        return velocityFilter.step(velocity)
    }
}
