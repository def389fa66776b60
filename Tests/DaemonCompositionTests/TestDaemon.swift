import AgentRuntime
import ConfigSupport
import Foundation
import Yams

@testable import DaemonComposition

/// What the test daemon's controller did, in order, for checks on the shutdown sequence.
actor EventLog {
    private(set) var entries: [String] = []
    /// The entry the daemon's last step waits for, when a test holds the stop open.
    private(set) var stopGate: String?

    func add(_ entry: String) { entries.append(entry) }
    func clear() {
        entries = []
        stopGate = nil
    }

    /// Keeps the daemon's slow last step going until `entry` is logged (bounded by a minute), instead of its 500 ms.
    func holdStop(until entry: String) { stopGate = entry }

    /// Waits (polling the log, bounded) until `entry` is there.
    func waitFor(_ entry: String, timeout: Duration = .seconds(30)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if entries.contains(entry) { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return entries.contains(entry)
    }
}

/// The test daemon's `device` section: a local-only `hardware` name and a remotely settable `level`.
struct RecordingSettings: DeviceConfiguration {
    var hardware = "lineA"
    var level = 0

    static func read(_ reader: inout NodeReader, _ node: Node?, at path: JSONPath) -> RecordingSettings? {
        var settings = RecordingSettings()
        guard let node else { return settings }
        let issues = reader.issues.count
        guard let keys = reader.object(node, at: path, required: [], optional: ["hardware", "level"]) else {
            return nil
        }
        if let name = keys["hardware"].flatMap({ reader.string($0, at: path.appending("hardware")) }) {
            settings.hardware = name
        }
        if let level = keys["level"].flatMap({ reader.integer($0, at: path.appending("level"), in: 0...100) }) {
            settings.level = level
        }
        return reader.issues.count == issues ? settings : nil
    }
}

/// An actuator whose write takes 300 ms and cannot be interrupted (like a slow bus transfer): a command still
/// running at stop must finish before the safe state, or its write lands after it.
actor RecordingController: DeviceController {
    let log: EventLog
    private(set) var applied: [RecordingSettings] = []

    init(log: EventLog) { self.log = log }

    func start() async { await log.add("started") }
    func apply(_ configuration: RecordingSettings) async throws { applied.append(configuration) }
    var isHealthy: Bool { true }
    func enterSafeState() async { await log.add("safe") }

    func actuate(_ id: String) async {
        await log.add("begin \(id)")
        await Task { try? await Task.sleep(for: .milliseconds(300)) }.value
        await log.add("end \(id)")
    }
}

/// A daemon on the shared composition with no parts, one slow actuator command and one loop.
enum TestDaemon: DeviceDaemon {
    static let name = "test-daemon"
    static let version = "9.9.9"
    static let summary = "test"
    static let log = EventLog()

    static func openParts(_ configuration: RecordingSettings, from hardware: DeviceHardware) async throws {}

    static func makeController(_ configuration: RecordingSettings, parts: Void, context: DaemonContext) async
        -> RecordingController
    {
        RecordingController(log: log)
    }

    struct Actuate: Decodable, Sendable { var tag: String }

    static func registerCommands(on router: CommandRouter, controller: RecordingController, context: DaemonContext)
        async
    {
        await router.register("actuate", arguments: Actuate.self) { args in
            await controller.actuate(args.tag)
            return .accepted(nil)
        }
    }

    static func loops(_ controller: RecordingController, parts: Void, context: DaemonContext) async -> [DeviceLoop] {
        [.every(.milliseconds(50), "tick") {}]
    }

    /// A slow last step (saving state, say): the session is still up meanwhile, answering late commands.
    static func stopped(_ controller: RecordingController, context: DaemonContext) async {
        if let gate = await log.stopGate {
            _ = await log.waitFor(gate, timeout: .seconds(60))
        } else {
            try? await Task.sleep(for: .milliseconds(500))
        }
        await log.add("stopped")
    }
}
