import ADS1115
import AgentRuntime
import ChargerDevice
import ChargerLogic
import Foundation
import HAL
import HALLinux
import HALSim
import Locking
import PCA9685
import SDM630
import Testing

/// Records what the controller publishes.
final class ChargerRecordingSink: DeviceSink {
    let events = Lock<[(String, [String: JSONValue])]>([])
    let states = Lock<[[String: JSONValue]]>([])

    func telemetry(_ stream: String, _ values: [String: JSONValue]) async {}
    func event(_ name: String, _ values: [String: JSONValue]) async { events.withLock { $0.append((name, values)) } }
    func state(_ values: [String: JSONValue]) async { states.withLock { $0.append(values) } }

    func events(named name: String) -> [[String: JSONValue]] {
        events.withLock { $0.filter { $0.0 == name }.map(\.1) }
    }
}

/// A monotonic clock the test moves by hand.
final class ChargerTestClock: Sendable {
    private let instant = Lock<Duration>(.seconds(100))
    var now: Duration { instant.withLock { $0 } }
    func advance(_ duration: Duration) { instant.withLock { $0 += duration } }
}

/// The charger controller on simulated parts — GPIO chip, PCA9685 and ADS1115 on a simulated I²C bus, the SDM630 over
/// real Modbus TCP — with a manual clock: what the pilot, the feedback and the commands do to the outputs, what is
/// stored and what is published, without a process or a broker. The test plays the EV and the contactor.
@Suite("Charger controller", .serialized)
struct ChargerControllerTests {
    let gpio = SimulatedGPIOChip(name: "sim-gpio0", lineCount: 32)
    let bus = SimulatedI2CBus(name: "sim-i2c-0")
    let pwmChip = SimulatedPCA9685()
    let adcChip = SimulatedADS1115(timing: .readyAfterPolls(0))
    let meterChip = SimulatedSDM630(importKWh: 100)
    let line = SimulatedModbusLine()
    let server: ModbusTCPServer
    let client: LinuxModbusClient
    let sink = ChargerRecordingSink()
    let clock = ChargerTestClock()
    let stateDirectory: String

    init() throws {
        bus.attach(pwmChip, at: 0x41)
        bus.attach(adcChip, at: 0x48)
        line.attach(meterChip.device, as: SDM630.defaultUnit)
        server = try ModbusTCPServer(handler: line)
        client = try LinuxModbusClient.tcp(ModbusTCPConfiguration(host: "127.0.0.1", port: server.port))
        stateDirectory =
            FileManager.default.temporaryDirectory.appendingPathComponent(
                "charger-controller-\(UUID().uuidString.prefix(8))"
            ).path
        try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
    }

    /// Offsets: contactor 11, feedback 12, rcd 13, lock 14, lock feedback 15 (the sim board's aliases).
    func parts() async throws -> ChargerParts {
        let input = GPIOInputConfiguration(consumer: "test", edges: .both)
        return ChargerParts(
            pwm: PCA9685(device: try await bus.device(at: 0x41), sleep: { _ in }),
            adc: ADS1115(device: try await bus.device(at: 0x48)),
            contactor: try await gpio.requestOutput(11, GPIOOutputConfiguration(consumer: "test")),
            contactorFeedback: try await gpio.requestInput(12, input), rcd: try await gpio.requestInput(13, input),
            lock: try await gpio.requestOutput(14, GPIOOutputConfiguration(consumer: "test")),
            lockFeedback: try await gpio.requestInput(15, input),
            meter: SDM630(client: client, timeout: .seconds(1)))
    }

    func controller(_ parts: ChargerParts? = nil, ppChannel: Int? = nil) async throws -> ChargerController {
        var configuration = ChargerConfiguration()
        configuration.settings.allowList = ["04A1B2C3"]
        configuration.hardware.ppChannel = ppChannel
        let parts = if let parts { parts } else { try await self.parts() }
        let clock = clock
        let controller = ChargerController(
            configuration: configuration, parts: parts, sink: sink,
            store: ChargerSessionStore(path: stateDirectory + "/charger-sessions.json"), now: { clock.now },
            edgeTimestampsOnClock: false, unixTime: { 1_796_212_800 }, newTransactionId: { "tx-1" })
        await controller.enterSafeState()
        await controller.start()
        return controller
    }

    /// Puts `volts` on the pilot: the high level, and −12 V (or `low`) as the low level, through the front end.
    func pilot(_ volts: Double, low: Double = -12) {
        adcChip.setInput(channel: 0, volts: (volts + 12) * 0.1)
        adcChip.setInput(channel: 1, volts: (low + 12) * 0.1)
    }

    /// Samples until the change is confirmed and the front end has settled (the clock moves 300 ms per sample).
    func samples(_ controller: ChargerController, _ count: Int = 3) async {
        for _ in 0..<count {
            clock.advance(.milliseconds(300))
            await controller.pilotStep()
        }
    }

    func edge(_ controller: ChargerController, _ input: ChargerInput, _ offset: GPIOLineOffset, _ high: Bool) async {
        gpio.setInputLevel(offset, high: high)
        await controller.input(input, GPIOEdgeEvent(kind: high ? .rising : .falling, timestampNanoseconds: 0))
    }

    /// Plugged in, authorised, locked, EV in C, contactor feedback closed.
    func charging(_ controller: ChargerController) async throws {
        pilot(9)
        await samples(controller)
        #expect(gpio.outputLevel(14) == true, "the lock closes on B")
        #expect(await controller.authorize(idTag: "04A1B2C3") == nil)
        await edge(controller, .lockFeedback, 15, true)
        #expect(await controller.machine.state == .suspendedEV)
        #expect(abs(pwmChip.dutyCycle(channel: 0) - 32 / 0.6 / 100) < 0.001)
        pilot(6)
        await samples(controller)
        #expect(gpio.outputLevel(11) == true, "the contactor closes on C")
        await edge(controller, .contactorFeedback, 12, true)
    }

    @Test("the cable's PP rating is measured again once a second of the clock, however few pilot steps ran")
    func cableRatingFollowsTheClock() async throws {
        // The PP divider on ADS1115 AIN2: 1 kΩ pull-up from 3.3 V; 220 Ω codes a 32 A cable, 680 Ω a 20 A one.
        func cable(ohms: Double) { adcChip.setInput(channel: 2, volts: 3.3 * ohms / (1_000 + ohms)) }
        cable(ohms: 220)
        let controller = try await controller(ppChannel: 2)
        try await charging(controller)
        #expect(abs(pwmChip.dutyCycle(channel: 0) - 32 / 0.6 / 100) < 0.001)
        cable(ohms: 680)
        // Counting steps, the next measurement waited for a hundred of them: seconds on a busy bus.
        clock.advance(.milliseconds(1_100))
        await controller.pilotStep()
        #expect(abs(pwmChip.dutyCycle(channel: 0) - 20 / 0.6 / 100) < 0.001)
    }

    /// Each step is ADC conversions over the I²C bus; on the rig every transfer is a socket round trip, and a
    /// station waits with no vehicle most of its life. The low level only means something under the PWM.
    @Test("a step converts the low level only while the PWM runs (the diode check), the high level always")
    func lowLevelOnlyUnderPWM() async throws {
        let controller = try await controller()
        pilot(12)
        func conversions(ofSteps steps: Int) async -> Int {
            let before = adcChip.conversionsStarted
            await samples(controller, steps)
            return adcChip.conversionsStarted - before
        }
        #expect(await conversions(ofSteps: 3) == 3, "pilot +12 V steady: the high level only")
        pilot(9)
        await samples(controller)
        #expect(await controller.authorize(idTag: "04A1B2C3") == nil)
        await edge(controller, .lockFeedback, 15, true)
        #expect(pwmChip.dutyCycle(channel: 0) < 1, "the PWM runs")
        #expect(await conversions(ofSteps: 3) == 6, "under the PWM: high and low")
        pilot(9, low: 0)
        await samples(controller)
        #expect(await controller.machine.latched.contains(.diodeFault))
    }

    @Test("start: contactor open, pilot +12 V steady, lock released")
    func safeStart() async throws {
        let controller = try await controller()
        #expect(gpio.outputLevel(11) == false && gpio.outputLevel(14) == false)
        #expect(pwmChip.dutyCycle(channel: 0) == 1)
        #expect(await controller.machine.state == .available)
    }

    @Test("an RCD edge opens the contactor, sets state F, ends the session as GroundFault and stores it")
    func rcdTrip() async throws {
        let controller = try await controller()
        try await charging(controller)
        await edge(controller, .rcd, 13, true)
        #expect(gpio.outputLevel(11) == false)
        #expect(pwmChip.dutyCycle(channel: 0) == 0)
        await controller.publish()
        let sessions = sink.events(named: "session")
        #expect(sessions.map { $0["status"] } == [.string("started"), .string("ended")])
        #expect(sessions.last?["stop_reason"] == .string("GroundFault"))
        #expect(sessions.last?["stop_reason_ocpp16"] == .string("EmergencyStop"))
        #expect(sessions.last?["transaction_id"] == .string("tx-1"))
        let stored = try ChargerSessionStore(path: stateDirectory + "/charger-sessions.json").load()
        #expect(stored.open == nil && stored.history.map(\.stopReason) == [.groundFault])
        // The contactor still reads closed: the cable stays locked until it opens.
        #expect(gpio.outputLevel(14) == true)
        await edge(controller, .contactorFeedback, 12, false)
        #expect(gpio.outputLevel(14) == false)
        #expect(await controller.resetFault() != nil, "the RCD still reads tripped")
    }

    @Test("the grid limit rewrites the duty in the same call; the ceiling caps it; the meter fills the session")
    func gridLimitAndMeter() async throws {
        let controller = try await controller()
        try await charging(controller)
        meterChip.setLoad(volts: [230, 230, 230], amps: [16, 16, 16])
        await controller.meterStep()
        #expect(await controller.setCurrentLimit(amps: 16) == 16)
        #expect(abs(pwmChip.dutyCycle(channel: 0) - 16 / 0.6 / 100) < 0.001)
        #expect(await controller.setCurrentLimit(amps: 63) == 32)
        #expect(await controller.session?.maxPowerW == 11_040)
        #expect(await controller.session?.meterStartWh == 100_000)
    }

    @Test("a stalled pilot loop: the watchdog opens the contactor and sets +12 V; the next step latches the fault")
    func stalledLoop() async throws {
        let controller = try await controller()
        try await charging(controller)
        #expect(await controller.watchdogCheck() == false)
        clock.advance(.milliseconds(600))
        #expect(await controller.watchdogCheck() == true)
        #expect(gpio.outputLevel(11) == false)
        #expect(pwmChip.dutyCycle(channel: 0) == 1)
        #expect(await controller.watchdogCheck() == false, "once per stall")
        await controller.pilotStep()
        #expect(await controller.machine.latched.contains(.controlLoopStall))
        #expect(await controller.machine.state == .faulted)
    }

    @Test("a diode fault: the low level is missing under the running PWM")
    func diodeFault() async throws {
        let controller = try await controller()
        pilot(9)
        await samples(controller)
        _ = await controller.authorize(idTag: "04A1B2C3")
        await edge(controller, .lockFeedback, 15, true)
        pilot(9, low: -9)
        await samples(controller)
        #expect(await controller.machine.state == .faulted)
        #expect(pwmChip.dutyCycle(channel: 0) == 0)
        await controller.publish()
        #expect(sink.events(named: "fault").contains { $0["fault"] == .string("diode-fault") })
    }

    @Test("SIGTERM keeps the session open on disk; a new controller resumes it for the EV still there")
    func sessionSurvivesRestart() async throws {
        let parts = try await parts()
        let first = try await controller(parts)
        try await charging(first)
        await first.publish()
        await first.enterSafeState()
        #expect(gpio.outputLevel(11) == false && pwmChip.dutyCycle(channel: 0) == 1)
        let stored = try ChargerSessionStore(path: stateDirectory + "/charger-sessions.json").load()
        #expect(stored.open?.transactionId == "tx-1")
        // The contactor opened: its feedback follows, then the new process starts.
        gpio.setInputLevel(12, high: false)
        let second = try await controller(parts)
        #expect(await second.session?.transactionId == "tx-1")
        // The EV still asks (C): the lock closes again and, confirmed, charging resumes in the same transaction.
        gpio.setInputLevel(15, high: false)
        await samples(second)
        #expect(await second.machine.state == .preparing)
        await edge(second, .lockFeedback, 15, true)
        #expect(await second.machine.state == .charging)
        #expect(gpio.outputLevel(11) == true)
        await second.publish()
        #expect(sink.events(named: "session").filter { $0["status"] == .string("started") }.count == 1)
        #expect(sink.events(named: "session-resumed").count == 1)
    }
}
