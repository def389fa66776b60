import BenchSupport
import BoardSupport
import CurbsideTestKit
import Foundation
import HAL
import HALRig
import HALSim
import MQTTTransport
import RigServer
import Synchronization

/// Interlock reaction of crosswalkd on the virtual rig: from a scenario setting the stop-line input (a conflict, with
/// a pedestrian in the zone) to the daemon's write of the warning sign, both timestamped by the rig's simulated chip
/// — so the figure includes the rig's socket to the daemon and back, as a board's GPIO would not. The floor, measured
/// in the same run on the same rig, is a bare client of the same `rig` backend that copies an input line to an output
/// line (no state machine, no actor, no publishing). Reported as p50/p99/max and as ratios; never pass/fail.
/// Phases: quiet, then under load (crosswalkd's own telemetry and health every second, the events of every conflict
/// through its outbox, and a broker flood of telemetry-sized messages to a subscriber).
///   BIN=.build/release   SAMPLES=300   FLOOD_PER_S=2000
@main
struct CrosswalkBench {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let environment = ProcessInfo.processInfo.environment

    static func main() async throws {
        let bin = environment["BIN"] ?? root.appendingPathComponent(".build/release").path
        let samples = Int(environment["SAMPLES"] ?? "") ?? 300
        let floodPerSecond = Int(environment["FLOOD_PER_S"] ?? "") ?? 2000
        let bench = try await BenchRig.start(rigName: "crosswalk", root: root)
        let broker = bench.broker
        let chip = try bench.chip()
        let daemon = try bench.spawn(
            "\(bin)/crosswalkd", kind: "crosswalk", device: "xing-1",
            deviceSection: """
                  hardware:
                    zones: [{presence: pedDetector}]
                    buttons: [{line: walkButton}]
                    beacon_left: beacon
                    beacon_right: beaconRight
                    in_road_markers: inRoadLeds
                    warning_sign: warningSign
                  clearance_s: 3
                  stuck_after_s: 3600
                  telemetry_interval_s: 1
                """)
        defer { daemon.signal(SIGTERM) }

        let reported = ReportedReactions()
        let observer = try bench.observe("curb/v1/bench/crosswalk/xing-1/event/conflict") { reported.add($0) }
        defer { observer.stop() }

        let sign = try bench.offset("warningSign")
        let stopLine = try bench.offset("stopLine")
        // Ready once the daemon has left its safe state (sign on) for idle (sign off).
        let deadline = ContinuousClock.now + .seconds(30)
        while chip.outputLevel(sign) != false {
            guard ContinuousClock.now < deadline, daemon.isRunning else {
                throw TestKitError("crosswalkd did not start:\n\(daemon.output)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        // A pedestrian in the zone for the whole run (each stop-line edge is then a conflict); the beacons say the
        // daemon saw them. The observer's subscription is in place by then too.
        try await Task.sleep(for: .seconds(1))
        chip.setInputLevel(try bench.offset("pedDetector"), high: true)
        let beacon = try bench.offset("beacon")
        while chip.outputLevel(beacon) != true {
            guard ContinuousClock.now < deadline + .seconds(10) else {
                throw TestKitError("crosswalkd never lit the beacons:\n\(daemon.output)")
            }
            try await Task.sleep(for: .milliseconds(5))
        }

        // The floor: the same backend, input copied to output by a bare client (spare lines SIM26 → SIM27).
        let floorTask = try await bench.startFloorCopy()
        defer { floorTask.cancel() }

        say("crosswalkd interlock reaction on the rig (\(samples) samples per figure, \(bin)):")
        var flood: Flood?
        for phase in ["quiet", "loaded"] {
            if phase == "loaded" { flood = try await Flood.start(broker: broker, perSecond: floodPerSecond) }
            reported.reset()
            say("  \(phase): measuring")
            let daemonFigures = try await Reaction.measure(chip, input: stopLine, output: sign, samples: samples)
            try await Reaction.report(
                phase: phase, flood: phase == "loaded" ? floodPerSecond : nil,
                daemon: "crosswalkd  stop line → warning sign", daemonFigures, chip: chip, reported: reported,
                samples: samples, event: "event/conflict")
        }
        flood?.stop()
        _ = await daemon.stop()
        await bench.stop()
    }
}
