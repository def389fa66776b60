import ArgumentParser
import CurbctlDevice
import CurbsideTestKit
import Foundation
import HALRig
import RigProtocol
import RigServer
import Testing

/// `curbctl check` against the virtual rig and a real mosquitto: every part of the configuration is opened or probed.
@Suite("curbctl check", .serialized, .timeLimit(.minutes(2)))
struct CheckTests {
    /// The failures other than the clock, whose state is this machine's (reported, not asserted).
    func hardwareFailures(_ report: CheckReport) -> [String] {
        report.failures.filter { $0.area != "clock" }.map(\.name)
    }

    /// Serves `rig`, starts a broker, writes `daemon`'s example configuration for them (changed by `edit`), lets
    /// `prepare` act on the rig, and runs the check.
    func check(
        _ rig: String, _ daemon: String, edit: @escaping (String) -> String = { $0 },
        prepare: (RigConnection) async -> Void = { _ in }
    ) async throws -> (report: CheckReport, file: String) {
        let broker = try MosquittoBroker(persistence: false)
        try await broker.start()
        let folder = try RigFixture.scratch()
        var result: (CheckReport, String)?
        try await RigFixture.serving(rig) { _, control, socket in
            await prepare(control)
            let file = try RigFixture.config(daemon, socket: socket, broker: broker.url, in: folder, edit: edit)
            result = (await Commissioning.run(configFile: file), file)
        }
        await broker.stop()
        let (report, file) = try #require(result)
        print(report.table())
        return (report, file)
    }

    @Test("streetlight rig with every chip: each line and chip passes, the broker accepts the CONNECT")
    func everythingPresent() async throws {
        let (report, _) = try await check("streetlight.yaml", "streetlightd")
        #expect(hardwareFailures(report) == [], "\(report.table())")
        let passed = Set(report.items.filter { $0.status == .pass }.map(\.area))
        #expect(passed.isSuperset(of: ["config", "board", "hal", "gpio", "i2c", "broker"]))
        // Five chips on the sensor head, each probed by its driver.
        let chips = report.items.filter { $0.area == "i2c" }
        #expect(chips.count == 5)
        #expect(chips.first { $0.name.hasPrefix("climate BME280") }?.detail == "chip ID 0x60")
        #expect(report.items.contains { $0.area == "clock" })
    }

    @Test("one chip unplugged on the rig: the check reports exactly that chip, with its fix, and exits 1")
    func oneChipMissing() async throws {
        let (report, file) = try await check(
            "streetlight.yaml", "streetlightd",
            prepare: { control in
                let unplugged = await RigFixture.op(control, "i2c.unplug") {
                    $0.bus = "sim-i2c-0"
                    $0.address = 0x76
                }
                #expect(unplugged.ok == true, "\(unplugged)")
            })
        #expect(hardwareFailures(report) == ["climate BME280 sim-i2c-0@0x76"], "\(report.table())")
        let item = try #require(report.failures.first { $0.area == "i2c" })
        #expect(item.fix?.contains("no BME280 answers at 0x76 on sim-i2c-0") == true, "\(item)")
        #expect(report.table().contains("✗ i2c"))
        let json = try JSONSerialization.jsonObject(with: Data(try report.json().utf8)) as? [String: Any]
        #expect(json?["passed"] as? Bool == false)
        // The command exits 1 when anything failed (here the rig is gone by now as well).
        let command = try CheckCommand.parseAsRoot(["--config", file, "--broker-timeout", "1"]) as? CheckCommand
        await #expect(throws: ExitCode.failure) { try await command?.run() }
    }

    @Test("a rig file without a chip the configuration names: that chip fails, the others pass")
    func chipNotOnRig() async throws {
        // A VEML7700 configured at 0x11, where the rig has nothing.
        let (report, _) = try await check(
            "streetlight.yaml", "streetlightd",
            edit: { $0.replacingOccurrences(of: "    lux: 0x10", with: "    lux: 0x11") })
        #expect(hardwareFailures(report) == ["lux VEML7700 sim-i2c-0@0x11"], "\(report.table())")
    }

    @Test("crosswalk rig: every input read and every output requested at its safe level")
    func crosswalkLines() async throws {
        let (report, _) = try await check("crosswalk.yaml", "crosswalkd")
        #expect(hardwareFailures(report) == [], "\(report.table())")
        let lines = report.items.filter { $0.area == "gpio" }
        #expect(lines.count == 11, "\(report.table())")
        let outputs = lines.filter { $0.detail.hasPrefix("output") }
        #expect(outputs.count == 6 && outputs.allSatisfy { $0.detail.hasPrefix("output held at its safe") })
    }

    @Test("no broker, an exposed key and a missing certificate: each is its own ✗ with a fix")
    func filesAndBroker() async throws {
        let folder = try RigFixture.scratch()
        let key = folder.appendingPathComponent("device.key").path
        try "not a key".write(toFile: key, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: key)
        let port = try FreeLoopbackPort.find()
        try await RigFixture.serving("vibration.yaml") { _, _, socket in
            let file = try RigFixture.config(
                "vibrationd", socket: socket, broker: "mqtt://127.0.0.1:\(port)", in: folder
            ) {
                $0.replacingOccurrences(
                    of: "  url: mqtt://127.0.0.1:\(port)",
                    with:
                        "  url: mqtt://127.0.0.1:\(port)\n  tls:\n    cert_file: \(folder.path)/device.pem\n    key_file: \(key)"
                )
            }
            let report = await Commissioning.run(configFile: file, brokerTimeout: .seconds(3))
            let failed = Dictionary(uniqueKeysWithValues: report.failures.map { ($0.name, $0) })
            #expect(failed["\(folder.path)/device.pem"]?.fix?.contains("install the device certificate") == true)
            #expect(failed[key]?.fix == "chmod 600 \(key) (owned by the daemon's user)", "\(report.table())")
            #expect(report.failures.contains { $0.area == "broker" }, "\(report.table())")
            #expect(report.items.filter { $0.area == "i2c" || $0.area == "gpio" }.allSatisfy { $0.status == .pass })
        }
    }

    @Test("an invalid configuration is one ✗ with every problem and its path")
    func invalidConfiguration() async throws {
        let folder = try RigFixture.scratch()
        let file = try RigFixture.config(
            "streetlightd", socket: "/nonexistent", broker: "mqtt://127.0.0.1:1", in: folder
        ) {
            $0.replacingOccurrences(of: "    dimmer: 0x40", with: "    dimmer: 0x400")
                .replacingOccurrences(of: "  backend: rig", with: "  backend: rigg")
        }
        let report = await Commissioning.run(configFile: file)
        #expect(report.items.count == 1)
        let detail = try #require(report.failures.first?.detail)
        #expect(detail.contains("$.hal.backend") && detail.contains("$.device.hardware.dimmer"), "\(detail)")
    }
}
