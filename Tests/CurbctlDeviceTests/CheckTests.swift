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

    /// A `prepare` that unplugs the chip at `address` on the rig's `sim-i2c-0`.
    func unplugging(_ address: Int) -> (RigConnection) async -> Void {
        { control in
            let unplugged = await RigFixture.op(control, "i2c.unplug") {
                $0.bus = "sim-i2c-0"
                $0.address = address
            }
            #expect(unplugged.ok == true, "\(unplugged)")
        }
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
        let (report, file) = try await check("streetlight.yaml", "streetlightd", prepare: unplugging(0x76))
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

    @Test("charger rig: the contactor and lock held open, three inputs read, both pilot chips probed, the meter polled")
    func chargerParts() async throws {
        let (report, _) = try await check("ev-charger.yaml", "chargerd")
        #expect(hardwareFailures(report) == [], "\(report.table())")
        let lines = report.items.filter { $0.area == "gpio" }
        #expect(
            lines.map(\.name) == [
                "contactor (contactor)", "lock (cableLock)", "contactor_feedback (contactorFeedback)",
                "rcd (rcdFault)", "lock_feedback (cableLockFeedback)",
            ],
            "\(report.table())")
        #expect(lines.prefix(2).allSatisfy { $0.detail == "output held at its safe inactive" }, "\(report.table())")
        let chips = report.items.filter { $0.area == "i2c" }.map(\.name)
        #expect(chips == ["pwm PCA9685 sim-i2c-0@0x41", "adc ADS1115 sim-i2c-0@0x48"], "\(report.table())")
        let meter = report.items.filter { $0.area == "modbus" }
        #expect(meter.map(\.name) == ["meter unit 1"] && meter.allSatisfy { $0.status == .pass }, "\(report.table())")
        #expect(!report.items.contains { $0.area == "gpio/i2c" }, "a kind with a parts list is not skipped")
    }

    @Test("charger rig with the pilot ADC unplugged: the check reports exactly that chip, with its fix")
    func chargerChipMissing() async throws {
        let (report, _) = try await check("ev-charger.yaml", "chargerd", prepare: unplugging(0x48))
        #expect(hardwareFailures(report) == ["adc ADS1115 sim-i2c-0@0x48"], "\(report.table())")
        let item = try #require(report.failures.first { $0.area == "i2c" })
        #expect(item.fix?.contains("no ADS1115 answers at 0x48 on sim-i2c-0") == true, "\(item)")
        #expect(item.fix?.contains("$.device.hardware.adc") == true, "\(item)")
    }

    @Test("fuel-cell rig: valve closed and fan on, the inputs read, the H2 detector's ADC and the controller answer")
    func fuelCellParts() async throws {
        let (report, _) = try await check("fuel-cell.yaml", "fuelcelld")
        #expect(hardwareFailures(report) == [], "\(report.table())")
        let lines = Dictionary(
            uniqueKeysWithValues: report.items.filter { $0.area == "gpio" }.map { ($0.name, $0.detail) })
        #expect(lines.count == 5, "\(report.table())")
        #expect(lines["valve (h2Valve)"] == "output held at its safe inactive", "\(report.table())")
        #expect(lines["ventilation (ventFan)"] == "output held at its safe active", "\(report.table())")
        #expect(lines["e_stop (eStop)"]?.hasPrefix("input reads") == true, "\(report.table())")
        #expect(report.items.filter { $0.area == "i2c" }.map(\.name) == ["h2_sensor ADS1115 sim-i2c-0@0x48"])
        #expect(report.items.filter { $0.area == "modbus" }.map(\.name) == ["controller unit 1"])
    }

    @Test("fuel-cell rig with the H2 detector's ADC unplugged: exactly that chip fails")
    func fuelCellChipMissing() async throws {
        let (report, _) = try await check("fuel-cell.yaml", "fuelcelld", prepare: unplugging(0x48))
        #expect(hardwareFailures(report) == ["h2_sensor ADS1115 sim-i2c-0@0x48"], "\(report.table())")
    }

    @Test("vibration rig: the accelerometer's line names its role, not its configuration key (\"address ADXL355\")")
    func vibrationParts() async throws {
        let (report, _) = try await check("vibration.yaml", "vibrationd")
        #expect(hardwareFailures(report) == [], "\(report.table())")
        #expect(
            report.items.filter { $0.area == "i2c" }.map(\.name) == ["accelerometer ADXL355 sim-i2c-1@0x1D"],
            "\(report.table())")
    }

    @Test("every device daemon in Tools/daemons has a parts list: its example names lines, chips or Modbus devices")
    func everyDaemonHasParts() throws {
        let table = try String(contentsOf: RigFixture.root.appendingPathComponent("Tools/daemons"), encoding: .utf8)
        let daemons = table.split(separator: "\n").compactMap { line -> String? in
            guard let name = line.split(separator: " ").first, !name.hasPrefix("#") else { return nil }
            return String(name)
        }
        #expect(daemons.contains("chargerd") && daemons.contains("fuelcelld"))
        for daemon in daemons where daemon != "curb-agent" {
            let example = RigFixture.root.appendingPathComponent("Firmware-config/examples/\(daemon).yaml").path
            let file = try ConfigFile(path: example)
            #expect(file.knowsKind, "\(daemon): curbctl has no parts list for its kind")
            #expect(!file.parts.isEmpty, "\(daemon)")
        }
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
