import BenchSupport
import BoardSupport
import CurbsideTestKit
import Foundation
import HAL
import HALRig
import HALSim
import MQTTTransport
import RigServer

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
        let work = FileManager.default.temporaryDirectory.appendingPathComponent(
            "curb-fuelcell-bench-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)

        let rigFile = root.appendingPathComponent("Firmware-config/rigs/fuel-cell.yaml").path
        let rig = try VirtualRig(
            file: try RigFile.load(file: rigFile, knownChips: SimulatedChipCatalog.names), runDirectory: work.path)
        let socket = work.appendingPathComponent("rig.sock").path
        let rigTask = Task { try await RigServer.run(rig: rig, socketPath: socket) }
        defer { rigTask.cancel() }
        guard let chip = rig.gpioChips["sim-gpio0"] else { throw TestKitError("the rig has no sim-gpio0") }
        func offset(_ name: String) throws -> GPIOLineOffset {
            try rig.board.gpioLine(named: name, usedAt: "bench").address.offset
        }

        let broker = try MosquittoBroker(persistence: false)
        try await broker.start()
        let config = work.appendingPathComponent("fuelcelld.yaml")
        try """
        identity: {site: bench, kind: fuel-cell, device: chp-1}
        mqtt: {url: "\(broker.url)"}
        board: \(root.appendingPathComponent("Boards/sim.yaml").path)
        hal: {backend: rig, rig_socket: "\(socket)"}
        state_dir: \(work.appendingPathComponent("state").path)
        health: {interval_s: 1}
        device:
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
        """.write(to: config, atomically: true, encoding: .utf8)
        say("rig on \(socket), broker on \(broker.url)")
        while !FileManager.default.fileExists(atPath: socket) { try await Task.sleep(for: .milliseconds(10)) }
        let daemon = try SpawnedProcess("\(bin)/fuelcelld", ["--config", config.path])
        defer { daemon.signal(SIGTERM) }

        let reported = ReportedReactions()
        let client = try MosquittoClient(
            configuration: MQTTConfiguration(url: broker.url, clientID: "bench-operator", cleanStart: true))
        let clientEvents = client.events
        client.start()
        let observing = Task {
            for await event in clientEvents {
                switch event {
                case .connected: _ = try? client.subscribe("\(prefix)/event/shutdown")
                case .message(let message): reported.add(message.payloadString)
                default: break
                }
            }
        }
        defer { observing.cancel() }

        let valve = try offset("h2Valve")
        let fan = try offset("ventFan")
        let leak = try offset("h2Leak")
        let reset = try offset("faultReset")
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

        // The floor: the same backend, input copied to output by a bare client (spare lines SIM26 → SIM27).
        let floorClient = try await RigConnection.connect(socketPath: socket)
        let floorChip = try await floorClient.gpioChip(named: "sim-gpio0")
        let floorInput = try await floorChip.requestInput(26, GPIOInputConfiguration(consumer: "floor", edges: .both))
        let floorOutput = try await floorChip.requestOutput(27, GPIOOutputConfiguration(consumer: "floor"))
        let floorTask = Task {
            for try await edge in floorInput.events() { try await floorOutput.write(GPIOValue(edge.kind == .rising)) }
        }
        defer { floorTask.cancel() }
        try await Task.sleep(for: .milliseconds(200))

        say("fuelcelld trip reaction on the rig (\(samples) samples per figure, \(bin)):")
        var flood: Flood?
        for phase in ["quiet", "loaded"] {
            if phase == "loaded" { flood = try await Flood.start(broker: broker, perSecond: floodPerSecond) }
            reported.reset()
            say("  \(phase): measuring")
            let daemonFigures = try await Reaction.measure(
                chip, input: leak, output: valve, samples: samples, expect: false, releaseFollows: false,
                rearm: rearm)
            let floorFigures = try await Reaction.measure(chip, input: 26, output: 27, samples: samples)
            let drained = ContinuousClock.now + .seconds(20)
            while reported.reactions().count < samples, ContinuousClock.now < drained {
                try await Task.sleep(for: .milliseconds(50))
            }
            let inDaemon = reported.reactions()
            say("  \(phase)\(phase == "loaded" ? " (+\(floodPerSecond) msg/s broker flood)" : ""):")
            say("    fuelcelld  leak contact → valve closed  \(Reaction.summary(daemonFigures))")
            say("    floor      input → output copy          \(Reaction.summary(floorFigures))")
            say(
                String(
                    format: "    ratio p50 %.1f×, p99 %.1f×", Reaction.ratio(daemonFigures, floorFigures, 0.5),
                    Reaction.ratio(daemonFigures, floorFigures, 0.99)))
            say(
                "    reaction_ms in event/shutdown (arrival → write): \(Reaction.summary(inDaemon)) "
                    + "(\(inDaemon.count) events)")
        }
        flood?.stop()
        client.disconnect()
        _ = await daemon.stop()
        await broker.stop()
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
