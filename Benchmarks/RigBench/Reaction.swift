import CurbsideTestKit
import Foundation
public import HAL
public import HALSim

/// Timing an output against an input on the rig's simulated chip, with a latched trip's rearm between samples (the
/// percentiles, the events' `reaction_ms` and the broker flood are BenchSupport's, shared with the other benches).
public enum Reaction {
    /// Sets `input` to `trigger`, times the rig-side write of `output` going to `expect` on the chip's clock, sets the
    /// input back — waiting for the output to follow when `releaseFollows` (an interlock that is not latched) — and
    /// runs `rearm` before the next sample (a latched trip's reset and restart).
    public static func measure(
        _ chip: SimulatedGPIOChip, input: GPIOLineOffset, output: GPIOLineOffset, samples: Int, trigger: Bool = true,
        expect: Bool = true, releaseFollows: Bool = true, rearm: () async throws -> Void = {}
    ) async throws -> [Duration] {
        var figures: [Duration] = []
        for _ in 0..<samples {
            let changes = chip.outputChanges(output)
            let start = chip.nowNanoseconds()
            chip.setInputLevel(input, high: trigger)
            guard let reached = await firstChange(changes, to: expect) else {
                throw TestKitError("output \(output) did not go \(expect ? "high" : "low") within 5 s")
            }
            figures.append(.nanoseconds(Int64(reached - start)))
            let back = chip.outputChanges(output)
            chip.setInputLevel(input, high: !trigger)
            if releaseFollows, await firstChange(back, to: !expect) == nil {
                throw TestKitError("output \(output) did not go \(expect ? "low" : "high") again within 5 s")
            }
            try await rearm()
            try await Task.sleep(for: .milliseconds(5))
        }
        return figures
    }

    /// The chip timestamp of the first change of `changes` to `high`, or nil after 5 s (a daemon in its fail-safe
    /// state — a stall on a busy machine, say — holds its outputs: give up then).
    public static func firstChange(
        _ changes: AsyncStream<(high: Bool, timestampNanoseconds: UInt64)>, to high: Bool
    ) async -> UInt64? {
        await withTaskGroup(of: UInt64?.self) { group in
            group.addTask {
                for await change in changes where change.high == high { return change.timestampNanoseconds }
                return nil
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(5))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}
