public import BenchSupport
import BoardSupport
public import CurbsideTestKit
public import Foundation
public import HAL
import HALRig
public import HALSim
public import MQTTTransport
public import RigServer

/// A daemon's reaction benchmark on the virtual rig: the rig served on a socket of its own, a local broker, the daemon
/// under test started from a configuration, its `reaction_ms` events observed, and the floor — a bare client of the
/// same `rig` backend copying the spare line SIM26 to SIM27 — running beside it.
public final class RigBench: Sendable {
    public let rig: VirtualRig
    public let chip: SimulatedGPIOChip
    public let socket: String
    public let work: URL
    public let broker: MosquittoBroker
    public let reported = ReportedReactions()
    private let tasks: [Task<Void, any Error>]

    private init(
        rig: VirtualRig, chip: SimulatedGPIOChip, socket: String, work: URL, broker: MosquittoBroker,
        tasks: [Task<Void, any Error>]
    ) {
        self.rig = rig
        self.chip = chip
        self.socket = socket
        self.work = work
        self.broker = broker
        self.tasks = tasks
    }

    /// Serves `rigFile` (relative to the package root `root`) and starts a broker.
    public static func start(root: URL, rigFile: String, name: String) async throws -> RigBench {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent(
            "curb-\(name)-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let rig = try VirtualRig(
            file: try RigFile.load(
                file: root.appendingPathComponent(rigFile).path, knownChips: SimulatedChipCatalog.names),
            runDirectory: work.path)
        let socket = work.appendingPathComponent("rig.sock").path
        let rigTask = Task { try await RigServer.run(rig: rig, socketPath: socket) }
        guard let chip = rig.gpioChips["sim-gpio0"] else { throw TestKitError("the rig has no sim-gpio0") }
        let broker = try MosquittoBroker(persistence: false)
        try await broker.start()
        say("rig on \(socket), broker on \(broker.url)")
        while !FileManager.default.fileExists(atPath: socket) { try await Task.sleep(for: .milliseconds(10)) }
        return RigBench(rig: rig, chip: chip, socket: socket, work: work, broker: broker, tasks: [rigTask])
    }

    /// The board line `name`'s offset on the rig's chip.
    public func offset(_ name: String) throws -> GPIOLineOffset {
        try rig.board.gpioLine(named: name, usedAt: "bench").address.offset
    }

    /// Writes `configuration` and starts `executable` with it.
    public func daemon(_ executable: String, configuration: String) throws -> SpawnedProcess {
        let file = work.appendingPathComponent(URL(fileURLWithPath: executable).lastPathComponent + ".yaml")
        try configuration.write(to: file, atomically: true, encoding: .utf8)
        return try SpawnedProcess(executable, ["--config", file.path])
    }

    /// A client of the broker that collects the `reaction_ms` of every message on `topic` into `reported`.
    public func observe(_ topic: String) throws -> (client: MosquittoClient, task: Task<Void, Never>) {
        let client = try MosquittoClient(
            configuration: MQTTConfiguration(url: broker.url, clientID: "bench-observer", cleanStart: true))
        let events = client.events
        client.start()
        let reported = reported
        let task = Task {
            for await event in events {
                switch event {
                case .connected: _ = try? client.subscribe(topic)
                case .message(let message): reported.add(message.payloadString)
                default: break
                }
            }
        }
        return (client, task)
    }

    /// The floor: the same backend, input copied to output by a bare client (spare lines SIM26 → SIM27).
    public func startFloor() async throws -> Task<Void, any Error> {
        let client = try await RigConnection.connect(socketPath: socket)
        let chip = try await client.gpioChip(named: "sim-gpio0")
        let input = try await chip.requestInput(26, GPIOInputConfiguration(consumer: "floor", edges: .both))
        let output = try await chip.requestOutput(27, GPIOOutputConfiguration(consumer: "floor"))
        let task = Task {
            for try await edge in input.events() { try await output.write(GPIOValue(edge.kind == .rising)) }
        }
        try await Task.sleep(for: .milliseconds(200))
        return task
    }

    /// Measures the floor, waits for the phase's events (they go through the daemon's outbox at its paced drain
    /// rate) and prints the phase's figures.
    public func report(
        phase: String, flood: Int?, daemon label: String, _ daemonFigures: [Duration], samples: Int, event: String
    ) async throws {
        let floorFigures = try await Reaction.measure(chip, input: 26, output: 27, samples: samples)
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
        let inDaemonSummary = BenchFigures.summary(inDaemon)
        say("    reaction_ms in \(event) (arrival → write): \(inDaemonSummary) (\(inDaemon.count) events)")
    }

    public func stop() async {
        for task in tasks { task.cancel() }
        await broker.stop()
    }
}
