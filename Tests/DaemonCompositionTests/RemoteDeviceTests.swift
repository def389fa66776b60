import AgentRuntime
import CurbsideTestKit
import Foundation
import Testing

@testable import DaemonComposition

/// The one remote-configuration adapter every daemon uses: the local-only section is refused at validation.
@Suite("Daemon composition: remote configuration with a local-only section")
struct RemoteDeviceTests {
    func configurator() throws -> (RemoteConfigurator<RemoteDevice<RecordingController>>, RecordingController) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "remote-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let controller = RecordingController(log: EventLog())
        let local = RecordingSettings(hardware: "lineA", level: 1)
        return (
            RemoteConfigurator(
                device: RemoteDevice(controller: controller, local: local), baseline: local,
                stateDirectory: directory.path, healthWindow: .zero),
            controller
        )
    }

    @Test("a changed hardware section is rejected with its path and nothing is applied")
    func hardwareRefused() async throws {
        let (configurator, controller) = try configurator()
        let report = await configurator.handleDesired(
            Array(#"{"revision":2,"config":{"device":{"hardware":"lineB","level":5}}}"#.utf8))
        #expect(report.status == .rejected)
        #expect(
            report.errors?.contains {
                $0.hasPrefix("$.config.device.hardware: expected the device's local hardware section unchanged")
            } == true,
            "\(report.errors ?? [])")
        #expect(await controller.applied.isEmpty)
    }

    @Test("the same hardware section with new settings is applied")
    func settingsApplied() async throws {
        let (configurator, controller) = try configurator()
        let report = await configurator.handleDesired(
            Array(#"{"revision":2,"config":{"device":{"hardware":"lineA","level":5}}}"#.utf8))
        #expect(report.status == .applied, "\(report)")
        #expect(await controller.applied == [RecordingSettings(hardware: "lineA", level: 5)])
    }
}

/// Exit statuses a supervisor acts on: 78 for a configuration error, 69 when a part cannot be opened.
@Suite("Daemon composition: exit statuses", .serialized)
struct ExitStatusTests {
    @Test("streetlightd with its rig socket missing exits 69 naming the socket; a bad file exits 78 with paths")
    func exitStatuses() async throws {
        let broker = try MosquittoBroker()
        try await broker.start()
        let file = try ShutdownOrderTests.writeConfig(brokerPort: broker.port)
        var text = try String(contentsOf: file, encoding: .utf8)
        text = text.replacingOccurrences(of: "device: {hardware: lineA, level: 1}", with: "")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let streetlightd = try ExecutableLookup.builtProduct("streetlightd")
        let missing = try await ToolRun.run(streetlightd, ["--config", file.path])
        #expect(missing.status == 69, "\(missing.output)")
        #expect(missing.output.contains("/tmp/curb-rig-unused.sock"), "\(missing.output)")

        try (text + "device: {lux_on: bright}\n").write(to: file, atomically: true, encoding: .utf8)
        let invalid = try await ToolRun.run(streetlightd, ["--config", file.path])
        #expect(invalid.status == 78, "\(invalid.output)")
        #expect(invalid.output.contains("$.device.lux_on: expected number"), "\(invalid.output)")
        await broker.stop()
    }
}
