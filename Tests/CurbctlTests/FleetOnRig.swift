import CurbsideTestKit
import Foundation
import RigServer
import Testing

/// The suites that start a broker, daemons or the demo, one after another: each starts several processes, and
/// running them side by side would only add load to a `make test` already running everything else in parallel.
@Suite("curbctl end to end", .serialized)
struct CurbctlEndToEnd {}

/// A real mosquitto on a free loopback port and real daemons on their virtual rigs (in-process rig servers, the
/// daemons as built executables with the scenario configuration templates), for `curbctl` to talk to.
final class FleetOnRig: @unchecked Sendable {
    // @unchecked: every property is set in `start` before the fixture is shared and only read afterwards.
    let broker: MosquittoBroker
    let work: URL
    private(set) var daemons: [String: SpawnedProcess] = [:]
    private var rigTasks: [Task<Void, any Error>] = []

    /// The rig file of each daemon the tests use.
    static let rigs = [
        "streetlightd": "streetlight", "vibrationd": "vibration", "crosswalkd": "crosswalk", "chargerd": "ev-charger",
        "fuelcelld": "fuel-cell", "modbusd": "modbus-bridge",
    ]

    /// The configuration template (`Tests/Scenarios/configs/<name>.yaml`) of a daemon whose scenario template is for
    /// another rig than the one above; the others use `<daemon>.yaml`.
    static let templates = ["modbusd": "modbusd-bridge"]

    static var repository: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    private init(broker: MosquittoBroker, work: URL) {
        self.broker = broker
        self.work = work
    }

    /// Starts the broker and `daemons` (`streetlightd` for the template's device, `streetlightd:pole-2` for another
    /// on its own rig), and returns once each has published its retained `online` status.
    /// `amend` edits each daemon's configuration text before it starts (a `security` section, say).
    static func start(_ names: [String], amend: (String) -> String = { $0 }) async throws -> FleetOnRig {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent(
            "curbctl-test-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let broker = try MosquittoBroker(persistence: false)
        try await broker.start()
        let fleet = FleetOnRig(broker: broker, work: work)
        for name in names { try await fleet.startDaemon(name, amend: amend) }
        for entry in names {
            let parts = entry.split(separator: ":").map(String.init)
            let name = parts[0]
            let topic = "curb/v1/hil/\(identityKind(name))/\(parts.count > 1 ? parts[1] : identityDevice(name))/status"
            let status = try await broker.read(topic) { $0.contains("\"state\":\"online\"") }
            guard status.contains("\"state\":\"online\"") else {
                throw TestKitError("\(entry) not online: \(fleet.daemons[entry]?.output ?? "")")
            }
        }
        return fleet
    }

    /// A fresh operator key made by `curbctl keys gen` in a new temporary folder: its file, and the `trusted_keys` line a
    /// daemon's `security` section needs to trust it.
    static func operatorKey() async throws -> (file: String, trustedKey: String) {
        let keys = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: keys, withIntermediateDirectories: true)
        let file = keys.appendingPathComponent("ops-test.key").path
        let generated = try await ToolRun.run(
            try ExecutableLookup.builtProduct("curbctl"), ["keys", "gen", "ops-test", file])
        let line = try #require(
            generated.output.split(separator: "\n").first { $0.hasPrefix("- {id: ops-test, public_key: ") },
            "\(generated.output)")
        return (file, String(line))
    }

    /// Starts `names` as `start` does, each trusting `trustedKey` (a line from `operatorKey()`).
    static func start(_ names: [String], trusting trustedKey: String) async throws -> FleetOnRig {
        try await start(names) { $0 + "\nsecurity:\n  trusted_keys:\n    \(trustedKey)\n" }
    }

    /// The identity's kind in the scenario templates: the daemon's name without its `d` (`fuel-cell` for fuelcelld).
    static func identityKind(_ daemon: String) -> String {
        daemon == "fuelcelld" ? "fuel-cell" : String(daemon.dropLast())
    }

    static func identityDevice(_ daemon: String) -> String {
        switch daemon {
        case "streetlightd": "pole-1"
        case "vibrationd": "bridge-1"
        case "chargerd": "evse-1"
        case "fuelcelld": "chp-1"
        case "modbusd": "gw-1"
        default: "xing-1"
        }
    }

    private func startDaemon(_ entry: String, amend: (String) -> String) async throws {
        let parts = entry.split(separator: ":").map(String.init)
        let name = parts[0]
        let device = parts.count > 1 ? parts[1] : Self.identityDevice(name)
        guard let rigName = Self.rigs[name] else { throw TestKitError("no rig for \(name)") }
        let socket = rigSocket(device)
        let rig = try VirtualRig(
            file: try RigFile.load(
                file: Self.repository.appendingPathComponent("Firmware-config/rigs/\(rigName).yaml").path,
                knownChips: SimulatedChipCatalog.names),
            runDirectory: work.path)
        rigTasks.append(Task { try await RigServer.run(rig: rig, socketPath: socket) })
        guard try await waitUntil(.seconds(30), { FileManager.default.fileExists(atPath: socket) }) else {
            throw TestKitError("the \(rigName) rig did not open \(socket)")
        }
        let templates = Self.repository.appendingPathComponent("Tests/Scenarios/configs")
        let template = try String(
            contentsOf: templates.appendingPathComponent("\(Self.templates[name] ?? name).yaml"), encoding: .utf8)
        // A short health window, so a pushed configuration is reported within a second.
        let config = work.appendingPathComponent("\(device).yaml")
        try amend(template).replacingOccurrences(of: "${BROKER_URL}", with: broker.url)
            .replacingOccurrences(of: "${RIG_SOCKET}", with: socket)
            .replacingOccurrences(of: "${STATE_DIR}", with: work.appendingPathComponent("state-\(device)").path)
            .replacingOccurrences(of: "device: \(Self.identityDevice(name))}", with: "device: \(device)}")
            .replacingOccurrences(of: "${CONFIG_DIR}", with: templates.path)
            .replacingOccurrences(of: "${RUN_DIR}", with: work.path)
            .appending("\nhealth: {interval_s: 1, config_window_ms: 300}\n")
            .replacingOccurrences(of: "\nhealth: {interval_s: 1}\n", with: "\n")
            .write(to: config, atomically: true, encoding: .utf8)
        daemons[entry] = try SpawnedProcess(try ExecutableLookup.builtProduct(name), ["--config", config.path])
    }

    /// The control socket of `device`'s rig, for a test to drive the rig as a scenario does (faults, inputs).
    func rigSocket(_ device: String) -> String { work.appendingPathComponent("rig-\(device).sock").path }

    /// The configuration file the daemon of `device` was started with.
    func configFile(_ device: String) -> URL { work.appendingPathComponent("\(device).yaml") }

    /// A copy of `device`'s configuration file named `name` with `from` replaced by `to`; its path.
    func variant(of device: String, _ name: String, _ from: String, _ to: String) throws -> String {
        let original = try String(contentsOf: configFile(device), encoding: .utf8)
        #expect(original.contains(from))
        let file = work.appendingPathComponent(name)
        try original.replacingOccurrences(of: from, with: to).write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    /// Runs `curbctl` against this broker.
    func curbctl(_ arguments: [String], timeout: Duration = .seconds(60)) async throws -> ToolResult {
        try await ToolRun.run(
            try ExecutableLookup.builtProduct("curbctl"), arguments + ["--broker", broker.url], timeout: timeout)
    }

    /// `curbctl` started and left running (watch).
    func spawnCurbctl(_ arguments: [String]) throws -> SpawnedProcess {
        try SpawnedProcess(try ExecutableLookup.builtProduct("curbctl"), arguments + ["--broker", broker.url])
    }

    /// Ends every process now, synchronously. `defer { Task { await fleet.stop() } }` alone may never run when the test
    /// process exits first: the daemons and the broker were left running, busy, for the rest of `make test`.
    func terminate() {
        for daemon in daemons.values { daemon.signal(SIGTERM) }
        for task in rigTasks { task.cancel() }
        broker.terminate()
    }

    func stop() async {
        for daemon in daemons.values { await daemon.stop() }
        for task in rigTasks { task.cancel() }
        await broker.stop()
    }
}
