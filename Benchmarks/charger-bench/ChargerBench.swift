import BenchSupport
import BoardSupport
import CurbsideTestKit
import Foundation
import HAL
import HALRig
import HALSim
import MQTTTransport
import RigProtocol
import RigServer

/// Contactor opening of chargerd on the virtual rig, p50/p99: after the EV goes from C to B (the pilot sampled through
/// the ADS1115) and after an RCD trip (a GPIO edge). End to end: from the benchmark's `model.set` on the rig's control
/// socket (the EV model updates the ADC and the RCD line at once) to the rig seeing the daemon's contactor write, both
/// on the rig's chip clock. The software path: `reaction_ms` of the daemon's `event/transition` (from the pilot sample
/// that confirmed the change, or the edge's arrival, to the end of the output writes). The floor, measured in the same
/// run on the same rig: a bare client of the same `rig` backend copying an input line to an output line. Phases:
/// quiet, then loaded (the daemon's telemetry, health and meter polls as configured below, and a broker flood).
///   BIN=.build/release   SAMPLES=200   FAULT_SAMPLES=50   FLOOD_PER_S=2000
@main
struct ChargerBench {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let environment = ProcessInfo.processInfo.environment
    static let prefix = "curb/v1/bench/charger/evse-1"

    static func main() async throws {
        let bin = environment["BIN"] ?? root.appendingPathComponent(".build/release").path
        let samples = Int(environment["SAMPLES"] ?? "") ?? 200
        let faultSamples = Int(environment["FAULT_SAMPLES"] ?? "") ?? 50
        let floodPerSecond = Int(environment["FLOOD_PER_S"] ?? "") ?? 2000
        let bench = try await BenchRig.start(rigName: "ev-charger", root: root)
        let chip = try bench.chip()
        let contactor = try bench.offset("contactor")
        let control = try await RigConnection.connect(socketPath: bench.socket)
        // Full telemetry load: telemetry and health every second, the meter polled every 200 ms.
        let daemon = try bench.spawn(
            "\(bin)/chargerd", kind: "charger", device: "evse-1",
            deviceSection: """
                  hardware:
                    meter: {serial: rs485-0, baud: 9600, parity: none, unit: 1, timeout_ms: 200}
                  free_vend: true
                  meter_interval_ms: 200
                  telemetry_interval_s: 1
                """)
        defer { daemon.signal(SIGTERM) }

        let toSuspended = ReportedReactions {
            $0["from"] as? String == "charging" && $0["state"] as? String == "suspended-ev"
        }
        let toFaulted = ReportedReactions { $0["from"] as? String == "charging" && $0["state"] as? String == "faulted" }
        let observer = try bench.observe("\(prefix)/event/transition") {
            toSuspended.add($0)
            toFaulted.add($0)
        }
        defer { observer.stop() }

        func set(_ quantity: String, _ value: Double) async throws {
            var message = RigMessage(op: "model.set")
            message.name = "ev"
            message.quantity = quantity
            message.number = value
            let response = await control.request(message)
            guard response.ok == true else { throw TestKitError("model.set \(quantity): \(response.error ?? "")") }
        }
        func contactorReaches(_ high: Bool, within: Duration = .seconds(10)) async throws {
            let deadline = ContinuousClock.now + within
            while chip.outputLevel(contactor) != high {
                guard ContinuousClock.now < deadline, daemon.isRunning else {
                    throw TestKitError("the contactor did not go \(high ? "high" : "low"):\n\(daemon.output)")
                }
                try await Task.sleep(for: .milliseconds(2))
            }
        }
        /// Times from `act` to the rig seeing the contactor written low, on the chip's clock.
        func opening(_ act: () async throws -> Void) async throws -> Duration {
            let changes = chip.outputChanges(contactor)
            let start = chip.nowNanoseconds()
            try await act()
            for await change in changes where !change.high {
                return .nanoseconds(Int64(change.timestampNanoseconds - start))
            }
            throw TestKitError("no contactor change")
        }

        // Plugged in and charging (free vend), the observer subscribed.
        try await Task.sleep(for: .seconds(1))
        try await set("state", 2)
        try await contactorReaches(true, within: .seconds(30))

        let floorTask = try await bench.startFloorCopy()
        defer { floorTask.cancel() }

        say(
            "chargerd contactor opening on the rig (\(samples) C → B and \(faultSamples) RCD samples per phase, \(bin)):"
        )
        var flood: Flood?
        for phase in ["quiet", "loaded"] {
            if phase == "loaded" { flood = try await Flood.start(broker: bench.broker, perSecond: floodPerSecond) }
            toSuspended.reset()
            toFaulted.reset()
            say("  \(phase): measuring")
            var pilot: [Duration] = []
            for _ in 0..<samples {
                pilot.append(try await opening { try await set("state", 1) })
                try await set("state", 2)
                try await contactorReaches(true)
            }
            var rcd: [Duration] = []
            for index in 0..<faultSamples {
                rcd.append(try await opening { try await set("rcd", 1) })
                try await set("rcd", 0)
                // Released, then reset: a new free-vend session for the EV still asking.
                try await Task.sleep(for: .milliseconds(150))
                _ = try observer.client.publish(
                    MQTTMessage(topic: "\(prefix)/cmd/reset-fault", string: #"{"id":"r\#(phase)\#(index)"}"#))
                try await contactorReaches(true)
            }
            let floor = try await Reaction.measure(chip, input: 26, output: 27, samples: samples)
            let drained = ContinuousClock.now + .seconds(20)
            while toSuspended.reactions().count < samples || toFaulted.reactions().count < faultSamples,
                ContinuousClock.now < drained
            {
                try await Task.sleep(for: .milliseconds(50))
            }
            say("  \(phase)\(phase == "loaded" ? " (+\(floodPerSecond) msg/s broker flood)" : ""):")
            say("    end to end   EV C → B → contactor open   \(BenchFigures.summary(pilot))")
            say("    end to end   RCD trip → contactor open   \(BenchFigures.summary(rcd))")
            say("    floor        input → output copy         \(BenchFigures.summary(floor))")
            say(
                String(
                    format: "    ratio RCD/floor p50 %.1f×, p99 %.1f×", BenchFigures.ratio(rcd, floor, 0.5),
                    BenchFigures.ratio(rcd, floor, 0.99)))
            let software = toSuspended.reactions()
            let softwareFault = toFaulted.reactions()
            say("    software     pilot sample → writes done  \(BenchFigures.summary(software)) (\(software.count))")
            say(
                "    software     RCD edge → writes done      \(BenchFigures.summary(softwareFault)) "
                    + "(\(softwareFault.count))")
        }
        flood?.stop()
        _ = await daemon.stop()
        await bench.stop()
    }
}
