import AgentRuntime
import BME280
import ConfigSupport
import Foundation
import HAL
import HALSim
import INA219
import Locking
import PCA9685
import SPS30
import StreetlightDevice
import StreetlightLogic
import Testing
import VEML7700
import Yams

/// Records what the controller publishes.
final class RecordingSink: StreetlightSink {
    let events = Lock<[(String, [String: JSONValue])]>([])
    let telemetry = Lock<[(String, [String: JSONValue])]>([])
    let states = Lock<[[String: JSONValue]]>([])
    let busErrors = Lock<[String]>([])

    func telemetry(_ stream: String, _ values: [String: JSONValue]) async {
        telemetry.withLock { $0.append((stream, values)) }
    }
    func event(_ name: String, _ values: [String: JSONValue]) async { events.withLock { $0.append((name, values)) } }
    func state(_ values: [String: JSONValue]) async { states.withLock { $0.append(values) } }
    func busError(_ bus: String) async { busErrors.withLock { $0.append(bus) } }

    var eventNames: [String] { events.withLock { $0.map(\.0) } }
}

/// A clock the test moves by hand.
final class ManualClock: Sendable {
    private let instant: Lock<Timestamp>
    init(_ start: Timestamp) { instant = Lock(start) }
    var now: Timestamp { instant.withLock { $0 } }
    func advance(seconds: Double) { instant.withLock { $0 = $0.adding(seconds: seconds) } }
}

/// The streetlight controller on simulated parts (HALSim bus and GPIO chip, the drivers' simulated chips) with a
/// manual clock: no process, no network, no sleeping for time to pass.
@Suite("Streetlight controller")
struct StreetlightControllerTests {
    let bus = SimulatedI2CBus(name: "sim-i2c-0")
    let gpio = SimulatedGPIOChip(name: "sim-gpio0", lineCount: 16, lineNames: [8: "lampRelay", 9: "motion"])
    let dimmer = SimulatedPCA9685()
    let meter = SimulatedINA219()
    let climate = SimulatedBME280(timing: .statusReads(1))
    let dust = SimulatedSPS30(timing: .manual)
    let sink = RecordingSink()
    /// 00:00 KST on 26 November: night in Seoul.
    let clock = ManualClock(Timestamp(year: 2026, month: 11, day: 25, hour: 15))

    init() {
        bus.attach(dimmer, at: 0x40)
        bus.attach(meter, at: 0x45)
        bus.attach(climate, at: 0x76)
        bus.attach(dust, at: 0x69)
    }

    func controller(_ configure: (inout StreetlightConfiguration) -> Void = { _ in }) async throws
        -> StreetlightController
    {
        var configuration = StreetlightConfiguration()
        configuration.hardware.i2cBus = "sim-i2c-0"
        configuration.hardware.lux = nil
        configuration.environment.dustWarmup = .seconds(10)
        configuration.settings.fadeSeconds = 0
        configuration.settings.lamp.settleSeconds = 2
        configure(&configuration)
        let relay = try await gpio.requestOutput(8, .init(consumer: "streetlightd", initialValue: .active))
        let clock = clock
        let controller = StreetlightController(
            configuration: configuration, parts: StreetlightParts(bus: bus, relay: relay, motion: nil), sink: sink,
            now: { clock.now }, driverSleep: { _ in })
        await controller.start()
        return controller
    }

    @Test("without a lux sensor the astronomical clock rules: on at night at full level, with the dimmer at 100 %")
    func astronomicalAtNight() async throws {
        let controller = try await controller()
        await controller.controlStep()
        #expect(gpio.outputLevel(8) == true)
        #expect(dimmer.dutyCycle(channel: 0) == 1)
        #expect(await controller.output?.activeLayer == .astronomical)
        #expect(dimmer.frequencyHertz > 950 && dimmer.frequencyHertz < 1050)
        let state = try #require(sink.states.withLock { $0.last })
        #expect(state["layer"] == "astronomical")
        #expect(state["relay"] == true)
    }

    @Test("in daytime the relay opens; the dimmer goes to 0 only after the relay is open")
    func daytime() async throws {
        clock.advance(seconds: 9 * 3600)  // 09:00 KST
        let controller = try await controller()
        await controller.controlStep()
        #expect(gpio.outputLevel(8) == false)
        #expect(dimmer.dutyCycle(channel: 0) == 0)
    }

    @Test("an override sets the dimmer, expires, and the policy takes over again")
    func override() async throws {
        let controller = try await controller()
        await controller.setLevel(percent: 30, durationSeconds: 60)
        #expect(abs(dimmer.dutyCycle(channel: 0) - 0.3) < 0.001)
        #expect(await controller.output?.activeLayer == .override)
        clock.advance(seconds: 61)
        await controller.controlStep()
        #expect(dimmer.dutyCycle(channel: 0) == 1)
        #expect(await controller.output?.activeLayer != .override)
    }

    @Test("a dimmer write that fails is written again by the next step, not recorded as applied")
    func failedDimmerWriteRetried() async throws {
        let controller = try await controller()
        await controller.controlStep()
        #expect(dimmer.dutyCycle(channel: 0) == 1)
        bus.injectFault(.nack, at: 0x40, count: 1)
        await controller.setLevel(percent: 30, durationSeconds: 600)
        #expect(dimmer.dutyCycle(channel: 0) == 1, "the glitch kept the old duty")
        #expect(sink.eventNames == ["sensor-fault"])
        await controller.controlStep()
        #expect(abs(dimmer.dutyCycle(channel: 0) - 0.3) < 0.001)
        #expect(sink.eventNames == ["sensor-fault", "sensor-recovered"])
        #expect(await controller.isHealthy)
    }

    @Test("a dimmer reset by a brown-out is found by the read-back, set up again and counted as a bus error")
    func dimmerBrownOut() async throws {
        let controller = try await controller()
        await controller.setLevel(percent: 40, durationSeconds: 600)
        await controller.verifyOutputs()
        #expect(sink.eventNames.isEmpty, "nothing to put right yet: \(sink.eventNames)")
        dimmer.reset()
        #expect(dimmer.isSleeping)
        await controller.verifyOutputs()
        #expect(!dimmer.isSleeping)
        #expect(dimmer.frequencyHertz > 950 && dimmer.frequencyHertz < 1050)
        #expect(abs(dimmer.dutyCycle(channel: 0) - 0.4) < 0.001)
        #expect(sink.eventNames == ["output-reasserted"])
        let found = try #require(sink.events.withLock { $0.last?.1["found"] })
        #expect("\(found)".contains("MODE1 0x11"), "\(found)")
        #expect(sink.busErrors.withLock { $0 } == ["sim-i2c-0"])
    }

    @Test("a PWM frequency the dimmer refuses is reported, not swallowed")
    func frequencyFailureReported() async throws {
        let controller = try await controller()
        var configuration = await controller.configuration
        configuration.settings.pwmFrequencyHz = 500
        bus.injectFault(.nack, at: 0x40, count: 10)
        try await controller.apply(configuration)
        #expect(sink.eventNames.first == "sensor-fault", "\(sink.eventNames)")
        #expect(await !controller.isHealthy)
    }

    @Test("a lamp commanded on that draws nothing raises lamp-failure once, and clears when power returns")
    func lampFailure() async throws {
        let controller = try await controller()
        await controller.controlStep()
        meter.setLoad(busVolts: 24, amps: 0, shuntOhms: 0.1)
        for _ in 0..<4 {
            clock.advance(seconds: 1)
            await controller.controlStep()
            await controller.powerStep()
        }
        #expect(sink.eventNames == ["lamp-failure"])
        let fields = try #require(sink.events.withLock { $0.first?.1 })
        #expect(fields["commanded_level_pct"] == 100)
        #expect(fields["expected_min_w"] == 36)
        meter.setLoad(busVolts: 24, amps: 2.5, shuntOhms: 0.1)
        clock.advance(seconds: 1)
        await controller.powerStep()
        #expect(sink.eventNames == ["lamp-failure", "lamp-failure-cleared"])
        // Energy is counted from the samples: 60 W for a second.
        #expect(await controller.counters.energyTotalWattHours > 0)
    }

    @Test("environment telemetry: climate at once, dust after its warm-up, with the air-quality category")
    func environment() async throws {
        climate.setEnvironment(temperatureCelsius: 12.5, pressurePascals: 100_800, humidityPercent: 71)
        dust.setParticulates(SPS30.Measurement(values: [8, 16, 20, 32, 50, 60, 96, 120, 190, 0.6]))
        let controller = try await controller()
        dust.makeDataReady()
        await controller.environmentStep()
        var environment = try #require(sink.telemetry.withLock { $0.first { $0.0 == "environment" }?.1 })
        #expect(
            abs((environment["temperature_c"].flatMap { if case .number(let n) = $0 { n } else { nil } } ?? 0) - 12.5)
                < 0.05)
        #expect(environment["dust_warming_up"] == true)
        #expect(environment["pm2_5_ugm3"] == nil)

        clock.advance(seconds: 11)
        dust.makeDataReady()
        sink.telemetry.withLock { $0.removeAll() }
        await controller.environmentStep()
        environment = try #require(sink.telemetry.withLock { $0.first { $0.0 == "environment" }?.1 })
        #expect(environment["pm2_5_ugm3"] == 16)
        #expect(environment["pm10_ugm3"] == 32)
        // PM2.5 16 µg/m³ is "moderate" by the Korean standard (≤15 good), PM10 32 is "moderate" (≤30 good).
        #expect(environment["air_quality"] == "moderate")
    }

    @Test("a sensor that stops answering raises one sensor-fault event and one recovery, and never stops the lamp")
    func sensorFaults() async throws {
        let controller = try await controller()
        bus.detach(at: 0x45)
        await controller.powerStep()
        await controller.powerStep()
        #expect(sink.eventNames == ["sensor-fault"])
        #expect(await controller.sensorFaults["meter"]?.contains("no acknowledge") == true)
        await controller.controlStep()
        #expect(gpio.outputLevel(8) == true)
        bus.attach(meter, at: 0x45)
        await controller.powerStep()
        #expect(sink.eventNames == ["sensor-fault", "sensor-recovered"])
    }

    @Test("a missing dimmer at start-up still leaves the relay in control")
    func missingDimmer() async throws {
        bus.detach(at: 0x40)
        let controller = try await controller()
        await controller.controlStep()
        #expect(gpio.outputLevel(8) == true)
        #expect(await controller.sensorFaults["dimmer"] != nil)
        #expect(sink.eventNames.first == "sensor-fault")
    }

    @Test("the safe state on stop is lamp on at full level")
    func safeState() async throws {
        clock.advance(seconds: 9 * 3600)
        let controller = try await controller()
        await controller.controlStep()
        #expect(gpio.outputLevel(8) == false)
        await controller.enterSafeState()
        #expect(gpio.outputLevel(8) == true)
        #expect(dimmer.dutyCycle(channel: 0) == 1)
    }

    @Test("self-test cycles the lamp on and judges the measured power against the rating")
    func selfTest() async throws {
        clock.advance(seconds: 9 * 3600)
        let controller = try await controller()
        await controller.controlStep()
        meter.setLoad(busVolts: 24, amps: 2.4, shuntOhms: 0.1)
        let good = await controller.selfTest(settle: .zero)
        #expect(good.passed)
        #expect(good.details["measured_w"] == 57.6)
        #expect(gpio.outputLevel(8) == false)  // back to what the policy wanted
        meter.setLoad(busVolts: 24, amps: 0.5, shuntOhms: 0.1)
        let bad = await controller.selfTest(settle: .zero)
        #expect(!bad.passed)
    }
}

@Suite("Streetlight configuration")
struct StreetlightConfigurationTests {
    func read(_ yaml: String) -> (StreetlightConfiguration?, [ConfigIssue]) {
        var reader = NodeReader()
        let node = try? Yams.compose(yaml: yaml)
        let configuration = StreetlightConfiguration.read(&reader, node, at: JSONPath.root.appending("device"))
        return (configuration, reader.issues)
    }

    @Test("hardware, environment and dimming keys are read together; sensors can be absent")
    func reads() throws {
        let (configuration, issues) = read(
            """
            hardware: {i2c_bus: sim-i2c-0, relay: SIM8, lux: none, dust: 0x69, meter: 0x44}
            environment: {interval_s: 30, dust_warmup_s: 20}
            lux_on: 20
            lux_off: 50
            """)
        #expect(issues.isEmpty, "\(issues)")
        let value = try #require(configuration)
        #expect(value.hardware.i2cBus == "sim-i2c-0")
        #expect(value.hardware.relay == "SIM8")
        #expect(value.hardware.lux == nil)
        #expect(value.hardware.meter == 0x44)
        #expect(value.environment.interval == .seconds(30))
        #expect(value.settings.luxOn == 20)
    }

    @Test("every problem is reported with its path")
    func errors() {
        let (configuration, issues) = read(
            """
            hardware: {i2c_bus: sim-i2c-0, dimmer: 0x90, relys: SIM8}
            environment: {interval_s: 0}
            lux_on: 80
            lux_off: 50
            """)
        #expect(configuration == nil)
        let paths = issues.map(\.path)
        #expect(paths.contains("$.device.hardware.dimmer"))
        #expect(paths.contains("$.device.hardware.relys"))
        #expect(paths.contains("$.device.environment.interval_s"))
        #expect(paths.contains("$.device.lux_off"))
        #expect(issues.first { $0.path == "$.device.hardware.relys" }?.suggestion?.contains("relay") == true)
    }
}

@Suite("Lamp counter store")
struct LampCounterStoreTests {
    @Test("energy and burning hours survive a restart; a missing or corrupt file starts from zero")
    func roundTrip() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("counters-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = LampCounterStore(path: directory.appendingPathComponent("lamp-counters.json").path)
        #expect(store.load() == LampCounters())
        var monitor = LampHealthMonitor(settings: LampHealthSettings(), counters: LampCounters())
        let start = Timestamp(year: 2026, month: 11, day: 25, hour: 12)
        monitor.commanded(levelPercent: 100, at: start)
        for second in 0...3600 {
            _ = monitor.powerSample(watts: 60, at: start.adding(seconds: Double(second)), utcOffsetMinutes: 540)
        }
        try store.save(monitor.counters)
        let restored = store.load()
        #expect(restored == monitor.counters)
        #expect(abs(restored.energyTotalWattHours - 60) < 0.1)
        #expect(abs(restored.burningHoursTotal - 1) < 0.001)
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: store.path))
        #expect(store.load() == LampCounters())
    }

    @Test("a symbolic link planted at the counters' path is not followed: save fails with ELOOP, the target is intact")
    func linkIsRefused() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("counters-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let victim = directory.appendingPathComponent("elsewhere.json").path
        let original = #"{"energyTotalWattHours":5}"#
        try original.write(toFile: victim, atomically: false, encoding: .utf8)
        let store = LampCounterStore(path: directory.appendingPathComponent("lamp-counters.json").path)
        try FileManager.default.createSymbolicLink(atPath: store.path, withDestinationPath: victim)
        #expect(store.load() == LampCounters())
        #expect {
            try store.save(LampCounters())
        } throws: { error in
            (error as? AtomicFile.Failure)?.errno == ELOOP
                && "\(error)".hasPrefix("\(store.path) replace: is a symbolic link")
        }
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == original)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: store.path) == victim)
    }
}

@Suite("Streetlight night envelope")
struct StreetlightEnvelopeTests {
    static let hardware = "hardware: {i2c_bus: sim-i2c-0, relay: SIM8, min_night_level_percent: 20}"

    func local(_ yaml: String) throws -> StreetlightConfiguration {
        var reader = NodeReader()
        let configuration = StreetlightConfiguration.read(
            &reader, try Yams.compose(yaml: yaml), at: JSONPath.root.appending("device"))
        return try #require(configuration, "\(reader.issues)")
    }

    @Test("a remote configuration below the local envelope is refused, naming the envelope; within it passes")
    func remoteConfiguration() throws {
        let local = try local("\(Self.hardware)\non_level: 60")
        let reader = DeviceSectionReader<StreetlightConfiguration>(local: local)
        let hardware: JSONValue = ["i2c_bus": "sim-i2c-0", "relay": "SIM8", "min_night_level_percent": 20]
        let dark = reader.validate(
            desired: [
                "device": [
                    "hardware": hardware, "on_level": 0, "profile": [["from": "01:00", "level": 10]],
                ]
            ])
        guard case .failure(let refused) = dark else {
            Issue.record("on_level 0 below the envelope was accepted")
            return
        }
        #expect(refused.errors.count == 2, "\(refused.errors)")
        #expect(refused.errors.contains { $0.hasPrefix("$.config.device.on_level:") }, "\(refused.errors)")
        #expect(refused.errors.contains { $0.hasPrefix("$.config.device.profile[0].level:") }, "\(refused.errors)")
        #expect(
            refused.errors.allSatisfy { $0.contains("device.hardware.min_night_level_percent (20.0 %)") },
            "\(refused.errors)")
        // Lowering the envelope itself remotely is refused as any hardware change is.
        let lowered = reader.validate(
            desired: ["device": ["hardware": ["i2c_bus": "sim-i2c-0", "relay": "SIM8"], "on_level": 0]])
        guard case .failure(let loweredErrors) = lowered else {
            Issue.record("a remote configuration lowered the envelope")
            return
        }
        #expect(loweredErrors.errors.contains { $0.hasPrefix("$.config.device.hardware:") }, "\(loweredErrors)")
        guard case .success(let kept) = reader.validate(desired: ["device": ["hardware": hardware, "on_level": 25]])
        else {
            Issue.record("a level within the envelope was refused")
            return
        }
        #expect(kept.settings.onLevelPercent == 25)
    }

    @Test("without an envelope on_level 0 stays allowed (today's behaviour)")
    func noEnvelope() throws {
        #expect(try local("hardware: {i2c_bus: sim-i2c-0}\non_level: 0").settings.onLevelPercent == 0)
    }

    @Test("a command level is judged against the envelope")
    func commandLevel() throws {
        let configuration = try local(Self.hardware)
        #expect(configuration.nightEnvelopeRefusal(levelPercent: 20) == nil)
        let refusal = try #require(configuration.nightEnvelopeRefusal(levelPercent: 0))
        #expect(refusal == "0.0 % is below the local safety envelope device.hardware.min_night_level_percent (20.0 %)")
    }
}
