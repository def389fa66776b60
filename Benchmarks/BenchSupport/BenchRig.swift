import BoardSupport
public import CurbsideTestKit
public import Foundation
public import HAL
import HALRig
public import HALSim
public import MQTTTransport
public import RigServer

/// A virtual rig on a control socket in a fresh work folder and a local broker, as the daemon benchmarks run them,
/// with the daemon's configuration written from the runtime sections every benchmark shares plus its `device` section.
public final class BenchRig: Sendable {
    public let rig: VirtualRig
    public let socket: String
    public let broker: MosquittoBroker
    public let work: URL
    private let root: URL
    private let rigTask: Task<Void, any Error>

    private init(
        rig: VirtualRig, socket: String, broker: MosquittoBroker, work: URL, root: URL, rigTask: Task<Void, any Error>
    ) {
        self.rig = rig
        self.socket = socket
        self.broker = broker
        self.work = work
        self.root = root
        self.rigTask = rigTask
    }

    /// Starts the rig of `Firmware-config/rigs/<rigName>.yaml` (under the package `root`) and a broker; returns once
    /// the rig's socket exists.
    public static func start(rigName: String, root: URL) async throws -> BenchRig {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent(
            "curb-\(rigName)-bench-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let rigFile = root.appendingPathComponent("Firmware-config/rigs/\(rigName).yaml").path
        let rig = try VirtualRig(
            file: try RigFile.load(file: rigFile, knownChips: SimulatedChipCatalog.names), runDirectory: work.path)
        let socket = work.appendingPathComponent("rig.sock").path
        let rigTask = Task { try await RigServer.run(rig: rig, socketPath: socket) }
        let broker = try MosquittoBroker(persistence: false)
        try await broker.start()
        say("rig on \(socket), broker on \(broker.url)")
        while !FileManager.default.fileExists(atPath: socket) { try await Task.sleep(for: .milliseconds(10)) }
        return BenchRig(rig: rig, socket: socket, broker: broker, work: work, root: root, rigTask: rigTask)
    }

    /// The rig's GPIO chip, whose lines the benchmarks drive and time.
    public func chip() throws -> SimulatedGPIOChip {
        guard let chip = rig.gpioChips["sim-gpio0"] else { throw TestKitError("the rig has no sim-gpio0") }
        return chip
    }

    /// The board line `name`'s offset on the rig's chip.
    public func offset(_ name: String) throws -> GPIOLineOffset {
        try rig.board.gpioLine(named: name, usedAt: "bench").address.offset
    }

    /// Writes the daemon's configuration — identity `bench/<kind>/<device>`, this broker, the `sim` board on this rig,
    /// a state directory in the work folder, health every second, then `device` — and starts `executable` on it.
    public func spawn(_ executable: String, kind: String, device: String, deviceSection: String) throws
        -> SpawnedProcess
    {
        let name = URL(fileURLWithPath: executable).lastPathComponent
        let config = work.appendingPathComponent("\(name).yaml")
        try """
        identity: {site: bench, kind: \(kind), device: \(device)}
        mqtt: {url: "\(broker.url)"}
        board: \(root.appendingPathComponent("Boards/sim.yaml").path)
        hal: {backend: rig, rig_socket: "\(socket)"}
        state_dir: \(work.appendingPathComponent("state").path)
        health: {interval_s: 1}
        device:

        """.appending(deviceSection).write(to: config, atomically: true, encoding: .utf8)
        return try SpawnedProcess(executable, ["--config", config.path])
    }

    /// Subscribes to `topic` with a client of its own (subscribed again on every connect) and hands each payload to
    /// `handle`; `client` publishes too (commands).
    public func observe(_ topic: String, _ handle: @escaping @Sendable (String) -> Void) throws -> BenchObserver {
        let client = try MosquittoClient(
            configuration: MQTTConfiguration(url: broker.url, clientID: "bench-observer", cleanStart: true))
        let events = client.events
        client.start()
        let task = Task {
            for await event in events {
                switch event {
                case .connected: _ = try? client.subscribe(topic)
                case .message(let message): handle(message.payloadString)
                default: break
                }
            }
        }
        return BenchObserver(client: client, task: task)
    }

    /// The floor of the reaction figures: a bare client of the same `rig` backend copying input line `input` to output
    /// line `output` of sim-gpio0 (no state machine, no actor, no publishing). Cancel the task to stop it.
    public func startFloorCopy(input: GPIOLineOffset = 26, output: GPIOLineOffset = 27) async throws -> Task<
        Void, any Error
    > {
        let client = try await RigConnection.connect(socketPath: socket)
        let chip = try await client.gpioChip(named: "sim-gpio0")
        let inputLine = try await chip.requestInput(input, GPIOInputConfiguration(consumer: "floor", edges: .both))
        let outputLine = try await chip.requestOutput(output, GPIOOutputConfiguration(consumer: "floor"))
        let task = Task {
            for try await edge in inputLine.events() { try await outputLine.write(GPIOValue(edge.kind == .rising)) }
        }
        try await Task.sleep(for: .milliseconds(200))
        return task
    }

    public func stop() async {
        rigTask.cancel()
        await broker.stop()
    }
}

/// A benchmark's MQTT observer: its client and the task reading its events.
public struct BenchObserver: Sendable {
    public let client: MosquittoClient
    let task: Task<Void, Never>

    public func stop() {
        task.cancel()
        client.disconnect()
    }
}
