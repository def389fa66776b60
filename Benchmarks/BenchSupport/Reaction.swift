import CurbsideTestKit
import Foundation
public import HAL
public import HALSim

/// Timing an output against an input on the rig's simulated chip, on the chip's own clock: an interlock that follows
/// its input both ways (the defaults), or a latched trip with its rearm between samples.
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

    /// One phase of a latched-trip benchmark: measures the floor copy on `chip` (spare lines 26 → 27), waits for the
    /// phase's `reaction_ms` events in `reported` (they go through the daemon's outbox at its paced drain rate) and
    /// prints the daemon's figures, the floor's, their ratio and the daemon's own.
    public static func report(
        phase: String, flood: Int?, daemon label: String, _ daemonFigures: [Duration], chip: SimulatedGPIOChip,
        reported: ReportedReactions, samples: Int, event: String
    ) async throws {
        let floorFigures = try await measure(chip, input: 26, output: 27, samples: samples)
        let drained = ContinuousClock.now + .seconds(20)
        while reported.reactions().count < samples, ContinuousClock.now < drained {
            try await Task.sleep(for: .milliseconds(50))
        }
        let inDaemon = reported.reactions()
        say("  \(phase)\(flood.map { " (+\($0) msg/s broker flood)" } ?? ""):")
        say("    \(label)  \(BenchFigures.summary(daemonFigures))")
        say("    floor  input → output copy  \(BenchFigures.summary(floorFigures))")
        say(
            String(
                format: "    ratio p50 %.1f×, p99 %.1f×", BenchFigures.ratio(daemonFigures, floorFigures, 0.5),
                BenchFigures.ratio(daemonFigures, floorFigures, 0.99)))
        say(
            "    reaction_ms in \(event) (arrival → write): \(BenchFigures.summary(inDaemon)) (\(inDaemon.count) events)"
        )
    }
}
