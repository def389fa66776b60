import BenchSupport
import CurbsideTestKit
import Foundation
import HALSim
import MQTTTransport

/// Safety reaction of fuelcelld on the virtual rig: from a scenario closing the leak detector's alarm contact to the
/// daemon's write closing the H₂ valve, both timestamped by the rig's simulated chip — so the figure includes the
/// rig's socket to the daemon and back, as a board's GPIO would not. Each sample is a latched trip: the contact is
/// released, the local reset key pulsed and the plant started again (purge, valve open) before the next. The floor,
/// measured in the same run on the same rig, is a bare client of the same `rig` backend that copies an input line to
/// an output line. Reported as p50/p99/max and as ratios; never pass/fail (the goal is ≤ 10 ms p99 in software).
/// Phases: quiet, then under load (fuelcelld's full telemetry — plant and health every second, the controller polled
/// every 100 ms, the H₂ detector read every 20 ms, the events of every trip through its outbox — and a broker flood
/// of telemetry-sized messages to a subscriber).
///   BIN=.build/release   SAMPLES=100   FLOOD_PER_S=2000
@main
struct FuelCellBench {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let environment = ProcessInfo.processInfo.environment
    static let prefix = "curb/v1/bench/fuel-cell/chp-1"

    static func main() async throws {
        let bin = environment["BIN"] ?? root.appendingPathComponent(".build/release").path
        let samples = Int(environment["SAMPLES"] ?? "") ?? 100
        let floodPerSecond = Int(environment["FLOOD_PER_S"] ?? "") ?? 2000
        let bench = try await BenchRig.start(rigName: "fuel-cell", root: root)
        let chip = try bench.chip()
        let daemon = try bench.spawn(
            "\(bin)/fuelcelld", kind: "fuel-cell", device: "chp-1",
            deviceSection: """
                  hardware:
                    controller: {tcp: "stack:502", unit: 1, timeout_ms: 200}
                    h2_sensor: {bus: sim-i2c-0, address: 0x48, channel: 0}
                    fault_reset: faultReset
                    poll_ms: 100
                    sensor_ms: 20
                    limits: {power_ceiling_kw: 4.5, link_lost_ms: 1000}
                  purge_s: 1
                  warm_up_s: 2
                  telemetry_interval_s: 1
                """)
        defer { daemon.signal(SIGTERM) }
        let reported = ReportedReactions()
        let observer = try bench.observe("\(prefix)/event/shutdown") { reported.add($0) }
        defer { observer.stop() }
        let client = observer.client

        let valve = try bench.offset("h2Valve")
        let fan = try bench.offset("ventFan")
        let leak = try bench.offset("h2Leak")
        let reset = try bench.offset("faultReset")
        // Ready once the daemon has left its safe state (fan on) for standby (fan off).
        try await waitFor(seconds: 30, "fuelcelld did not reach standby", daemon) { chip.outputLevel(fan) == false }
        try await Task.sleep(for: .seconds(1))
        var starts = 0
        /// Resets the latched trip with the local key (again if the release had not reached the daemon yet) and
        /// starts the plant, until the valve is open again.
        func rearm() async throws {
            for _ in 0..<20 where chip.outputLevel(fan) != false {
                chip.setInputLevel(reset, high: true)
                try await Task.sleep(for: .milliseconds(20))
                chip.setInputLevel(reset, high: false)
                for _ in 0..<15 where chip.outputLevel(fan) != false { try await Task.sleep(for: .milliseconds(20)) }
            }
            starts += 1
            _ = try client.publish(
                MQTTMessage(topic: "\(prefix)/cmd/start", string: #"{"id":"start-\#(starts)"}"#, qos: .atLeastOnce))
            try await waitFor(seconds: 15, "the valve did not open after start \(starts)", daemon) {
                chip.outputLevel(valve) == true
            }
        }
        try await rearm()

        let floor = try await bench.startFloorCopy()
        defer { floor.cancel() }

        say("fuelcelld trip reaction on the rig (\(samples) samples per figure, \(bin)):")
        var flood: Flood?
        for phase in ["quiet", "loaded"] {
            if phase == "loaded" { flood = try await Flood.start(broker: bench.broker, perSecond: floodPerSecond) }
            reported.reset()
            say("  \(phase): measuring")
            let figures = try await Reaction.measure(
                chip, input: leak, output: valve, samples: samples, expect: false, releaseFollows: false,
                rearm: rearm)
            try await Reaction.report(
                phase: phase, flood: flood.map { _ in floodPerSecond },
                daemon: "fuelcelld  leak contact → valve closed", figures, chip: chip, reported: reported,
                samples: samples, event: "event/shutdown")
        }
        flood?.stop()
        _ = await daemon.stop()
        await bench.stop()
    }

    static func waitFor(
        seconds: Int, _ failure: String, _ daemon: SpawnedProcess, _ condition: @Sendable () -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while !condition() {
            guard ContinuousClock.now < deadline, daemon.isRunning else {
                throw TestKitError("\(failure):\n\(daemon.output)")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}
