import AgentRuntime
import BME280
import BoardSupport
import DaemonComposition
import Foundation
import HAL
import HALLinux
import HALSim
import Locking
import PCA9685
import RigServer
import StreetlightDevice
import StreetlightLogic
import Testing
import VEML7700

extension DriversOnI2CStubTests {
    /// The streetlight controller, unchanged, on the kernel: parts opened by `DeviceHardware` from the `sim-kernel`
    /// board file through the Linux backend — the relay on a gpio-sim line (observed through sysfs), the dimmer, lux
    /// sensor, climate sensor and lamp meter on i2c-stub preloaded from their simulated chips. Part of the serialized
    /// i2c-stub suite, since it uses the same stub addresses.
    @Test(
        "streetlight controller on gpio-sim and i2c-stub: a dark sky closes the relay at full level, daylight opens it")
    func streetlightOnKernel() async throws {
        let boardFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Boards/sim-kernel.yaml").path
        let board = try Board.load(file: boardFile)
        let hardware = DeviceHardware.linux(board: board)
        // The rig's kernel target reads gpio-sim lines the same way.
        let lines = KernelGPIOLines(board: board)

        // Register images: a dark sky (VEML7700 counts) and 21.5 °C.
        let sim = SimulatedI2CBus(name: "sim")
        let lux = SimulatedVEML7700(timing: .manual)
        let climate = SimulatedBME280(timing: .statusReads(1))
        sim.attach(lux, at: 0x10)
        sim.attach(climate, at: 0x76)
        climate.setEnvironment(temperatureCelsius: 21.5, pressurePascals: 100_900, humidityPercent: 55)
        _ = try await BME280(device: try await sim.device(at: 0x76)).measure()
        let stubLux = try await Self.stub(0x10)
        for register in VEML7700.Register.allCases {
            try await stubLux.writeWord(register: register.rawValue, value: lux.register(register))
        }
        // Whatever gain the driver's auto-ranging picks, 40 counts is dark (at most 0.46 lx at gain 1/8, 100 ms).
        try await stubLux.writeWord(register: VEML7700.Register.als.rawValue, value: 40)
        let stubClimate = try await Self.stub(0x76)
        try await Self.preloadBytes(stubClimate, from: 0x88, (0x88...0xA1).map { climate.register(UInt8($0)) })
        try await stubClimate.writeByte(register: 0xD0, value: climate.register(0xD0))
        try await Self.preloadBytes(stubClimate, from: 0xE1, (0xE1...0xFE).map { climate.register(UInt8($0)) })
        // No lamp meter here: INA219.start() resets the chip and checks the reset value, which a register file cannot
        // show; its measurement path on i2c-stub is the `ina219` test above.

        var configuration = StreetlightConfiguration()
        configuration.hardware.i2cBus = "i2c-0"
        configuration.hardware.relay = "lampRelay"
        configuration.hardware.motion = nil
        configuration.hardware.dimmer = 0x41
        configuration.hardware.meter = nil
        configuration.hardware.dust = nil
        configuration.settings.luxDwellSeconds = 0
        configuration.settings.fadeSeconds = 0
        let relay = try await hardware.output(
            "lampRelay", usedAt: "$.device.hardware.relay", .init(consumer: "streetlightd", initialValue: .inactive))
        let bus = try await hardware.i2cBus("i2c-0", usedAt: "$.device.hardware.i2c_bus")
        let clock = KernelTestClock()
        let sink = TelemetrySink()
        let controller = StreetlightController(
            configuration: configuration, parts: StreetlightParts(bus: bus, relay: relay, motion: nil),
            sink: sink, now: { clock.now }, driverSleep: { _ in })
        await controller.start()
        let faults = await controller.sensorFaults
        #expect(faults.isEmpty, "\(faults)")

        await controller.luxStep()
        await controller.controlStep()
        #expect(await controller.output?.activeLayer == .ambient)
        #expect(try lines.outputLevel("lampRelay") == true)
        let dimmer = PCA9685(device: try await Self.stub(0x41), sleep: { _ in })
        #expect(try await dimmer.dutyCycle(channel: 0) == 1)
        await controller.environmentStep()
        let environment = sink.environment.withLock { $0 }
        guard case .number(let celsius)? = environment?["temperature_c"] else {
            Issue.record("no temperature in \(String(describing: environment))")
            return
        }
        #expect(abs(celsius - 21.5) < 0.05)

        // Daylight: bright counts, and the relay opens.
        try await stubLux.writeWord(register: VEML7700.Register.als.rawValue, value: 30_000)
        clock.advance(seconds: 5)
        await controller.luxStep()
        clock.advance(seconds: 5)
        await controller.luxStep()
        await controller.controlStep()
        #expect(try lines.outputLevel("lampRelay") == false)
        #expect(try await dimmer.dutyCycle(channel: 0) == 0)
        await relay.release()
    }
}

/// Night in Seoul (00:00 KST), moved by the test.
final class KernelTestClock: Sendable {
    private let seconds = Lock(Timestamp(year: 2026, month: 11, day: 25, hour: 15).secondsSinceEpoch)
    var now: Timestamp { Timestamp(secondsSinceEpoch: seconds.withLock { $0 }) }
    func advance(seconds delta: Double) { seconds.withLock { $0 += delta } }
}

final class TelemetrySink: StreetlightSink {
    let environment = Lock<[String: JSONValue]?>(nil)
    func telemetry(_ stream: String, _ values: [String: JSONValue]) async {
        if stream == "environment" { environment.withLock { $0 = values } }
    }
    func event(_ name: String, _ values: [String: JSONValue]) async {}
    func state(_ values: [String: JSONValue]) async {}
}
