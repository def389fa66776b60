import AgentRuntime
import CrosswalkDevice
import CrosswalkLogic
import DeviceTestKit
import HAL
import HALSim
import Locking
import PCA9685
import Testing

/// Beacons on a simulated PCA9685's channels (register level) with an injected monotonic and wall clock: the duty
/// their registers program by day, by night, in the fail-safe and the safe state, and the read-back of those
/// registers.
@Suite("Crosswalk beacon dimming")
struct CrosswalkDimmingTests {
    /// 2026-12-02 12:00 and 23:00 UTC (a Wednesday); the night window is 19:00-07:00 UTC.
    static let noon = 1_796_212_800.0
    static let lateEvening = noon + 11 * 3_600
    static let left = 0
    static let right = 1

    let gpio = SimulatedGPIOChip(
        name: "sim-gpio0", lineCount: 32, lineNames: [0: "walkButton", 1: "pedDetector", 5: "inRoadLeds"])
    let bus = SimulatedI2CBus(name: "sim-i2c-0")
    let dimmer = SimulatedPCA9685()
    let sink = RecordingSink()
    let clock = ManualMonotonicClock()
    let wallClock = ManualWallClock(CrosswalkDimmingTests.noon)

    init() {
        bus.attach(dimmer, at: 0x40)
    }

    func controller() async throws -> CrosswalkController {
        var configuration = CrosswalkConfiguration()
        configuration.settings.clearance = .seconds(10)
        configuration.settings.beaconIntensity.dayPercent = 80
        configuration.settings.beaconIntensity.nightPercent = 25
        configuration.settings.beaconIntensity.nightHours = NightWindow(start: 19 * 60, end: 7 * 60)
        let chip = PCA9685(device: try await bus.device(at: 0x40), sleep: { _ in })
        try await chip.start(frequencyHertz: 1_000)
        let input = GPIOInputConfiguration(consumer: "test", edges: .both)
        let parts = CrosswalkParts(
            zones: [.init(presence: try await gpio.requestInput(1, input), heartbeat: nil)],
            buttons: [try await gpio.requestInput(0, input)], stopLine: nil, walkPhase: nil, faultReset: nil,
            outputs: ["in_road_markers": try await gpio.requestOutput(5, GPIOOutputConfiguration(consumer: "test"))],
            pwmOutputs: [
                "beacon_left": .init(chip: chip, channel: Self.left, frequencyHertz: 1_000),
                "beacon_right": .init(chip: chip, channel: Self.right, frequencyHertz: 1_000),
            ])
        let clock = clock
        let wallClock = wallClock
        let controller = CrosswalkController(
            configuration: configuration, parts: parts, sink: sink, now: { clock.now }, unixTime: { wallClock.now })
        await controller.enterSafeState()
        await controller.start()
        return controller
    }

    func press(_ controller: CrosswalkController) async {
        gpio.setInputLevel(0, high: true)
        await controller.input(.button(0), GPIOEdgeEvent(kind: .rising, timestampNanoseconds: 0))
        gpio.setInputLevel(0, high: false)
        await controller.input(.button(0), GPIOEdgeEvent(kind: .falling, timestampNanoseconds: 0))
    }

    /// The registers `duty` programs (what the controller must have written).
    func programs(_ channel: Int, _ duty: Double) -> Bool {
        dimmer.channelRegisters(channel: channel) == PCA9685.ChannelRegisters(dutyCycle: duty)
    }

    /// One IA-21 sequence in 50 ms steps: each step's left and right duty as the registers program them, to a
    /// hundredth (12-bit steps are finer).
    func sequence(_ controller: CrosswalkController) async -> [[Double]] {
        var seen: [[Double]] = []
        for _ in 0..<16 {
            await controller.flashStep()
            seen.append([Self.left, Self.right].map { (dimmer.dutyCycle(channel: $0) * 100).rounded() / 100 })
            clock.advance(.milliseconds(50))
        }
        return seen
    }

    /// The IA-21 sequence with `level` for a lit indication.
    static func ia21(at level: Double) -> [[Double]] {
        (0..<16).map { step in
            let lit = RRFBFlashPattern.ia21.indications(at: .milliseconds(50 * step))
            return [lit.left ? level : 0, lit.right ? level : 0]
        }
    }

    @Test func byDayALitBeaconsChannelProgramsTheDayLevelAndByNightTheNightLevel() async throws {
        let controller = try await controller()
        #expect(programs(Self.left, 0) && programs(Self.right, 0))
        await press(controller)
        // The first IA-21 step lights the left-hand indications.
        #expect(programs(Self.left, 0.8) && programs(Self.right, 0))
        #expect(await !controller.night)
        // Night falls while the left-hand indications are lit: the next schedule step dims them at once.
        wallClock.set(Self.lateEvening)
        await controller.scheduleStep()
        #expect(await controller.night)
        #expect(programs(Self.left, 0.25) && programs(Self.right, 0))
        await controller.publish()
        #expect(sink.states.withLock { $0.last?["night"] } == .bool(true))
    }

    @Test func theNightChangesTheLevelNotTheFlashSequence() async throws {
        let controller = try await controller()
        await press(controller)
        let day = await sequence(controller)
        wallClock.set(Self.lateEvening)
        await controller.scheduleStep()
        let night = await sequence(controller)
        #expect(day == Self.ia21(at: 0.8))
        #expect(night == Self.ia21(at: 0.25))
    }

    @Test func theSafeStateAndTheFailSafeStateLightTheBeaconsFullyAtNight() async throws {
        wallClock.set(Self.lateEvening)
        let controller = try await controller()
        #expect(await controller.night)
        // A fault: the fail-safe state flashes at full level, night or not.
        bus.injectFault(.nack, at: 0x40)
        await press(controller)
        #expect(await controller.machine.state == .failSafe)
        await controller.flashStep()
        #expect(programs(Self.left, 1) && programs(Self.right, 0))
        await controller.enterSafeState()
        #expect(dimmer.channelRegisters(channel: Self.left) == .fullOn)
        #expect(dimmer.channelRegisters(channel: Self.right) == .fullOn)
    }

    @Test func aChannelChangedBehindTheControllersBackFailsTheReadBack() async throws {
        let controller = try await controller()
        // Idle: both beacons written off. Someone else's write lights the left one.
        try await PCA9685(device: try await bus.device(at: 0x40)).setDutyCycle(channel: Self.left, 0.5)
        await controller.verifyOutputs()
        #expect(await controller.machine.causes == [.outputMismatch(output: "beacon_left")])
        await controller.publish()
        #expect(sink.events(named: "fault").first?["fault"] == "output-readback")
        // Flashing in the fail-safe state rewrites the channel; then it reads back right and the cause clears.
        await controller.flashStep()
        await controller.verifyOutputs()
        #expect(await controller.machine.causes.isEmpty)
        #expect(await controller.resetFault() == nil)
    }

    @Test func aDimmerThatResetItselfFailsTheReadBackAndIsSetUpAgain() async throws {
        let controller = try await controller()
        await press(controller)
        // A brown-out: asleep with every channel off, though the registers of the idle right beacon still match.
        dimmer.reset()
        await controller.verifyOutputs()
        #expect(await controller.machine.state == .failSafe)
        #expect(!dimmer.isSleeping)
        await controller.flashStep()
        await controller.verifyOutputs()
        #expect(await controller.machine.causes.isEmpty)
    }
}

/// Wall-clock seconds since 1970 that the test sets by hand.
final class ManualWallClock: Sendable {
    private let seconds: Lock<Double>
    init(_ seconds: Double) { self.seconds = Lock(seconds) }
    var now: Double { seconds.withLock { $0 } }
    func set(_ value: Double) { seconds.withLock { $0 = value } }
}
