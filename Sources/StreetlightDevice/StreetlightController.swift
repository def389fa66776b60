public import AgentRuntime
import BME280
public import HAL
import INA219
import PCA9685
import SPS30
public import StreetlightLogic
import VEML7700

/// The streetlight's device logic bound to its parts: the dimming policy drives the relay and the PCA9685 dimmer,
/// sensors feed the policy and the telemetry, the lamp supply meter feeds lamp-health findings.
///
/// Time is injected (`now`), and each loop's step is a method the daemon calls on its own schedule and tests call
/// directly: nothing here sleeps or reads a clock. A failed sensor degrades the light (no lux → astronomical clock and
/// profile, with an event), never stops it. The relay and dimmer are the only actuators; their safe state on stop is
/// lamp on at 100 %: a dark street is the hazard, a lit one in daylight only costs energy.
public actor StreetlightController {
    public private(set) var configuration: StreetlightConfiguration
    private let parts: StreetlightParts
    private let sink: any StreetlightSink
    private let now: @Sendable () -> Timestamp
    private let driverSleep: @Sendable (Duration) async -> Void

    private var policy: DimmingPolicy
    private var health: LampHealthMonitor
    private var dimmer: PCA9685?
    private var luxSensor: VEML7700?
    private var climate: BME280?
    private var dust: SPS30?
    private var meter: INA219?
    private var dustStartedAt: Timestamp?
    /// Sensors that currently fail, with the error text, so each failure raises one event, not one per poll.
    private var faults: [String: String] = [:]
    /// What the outputs were last set to; `duty` is nil when the dimmer write failed, so the next step writes again.
    private var applied: (relay: Bool, duty: Double?)?
    private var lastOutput: DimmingOutput?
    private var lastState: [String: JSONValue] = [:]
    private var identifyUntil: Timestamp?

    public init(
        configuration: StreetlightConfiguration, parts: StreetlightParts, sink: any StreetlightSink,
        counters: LampCounters = LampCounters(), now: @escaping @Sendable () -> Timestamp,
        driverSleep: @escaping @Sendable (Duration) async -> Void = { try? await Task.sleep(for: $0) }
    ) {
        self.configuration = configuration
        self.parts = parts
        self.sink = sink
        self.now = now
        self.driverSleep = driverSleep
        policy = DimmingPolicy(
            settings: configuration.settings, start: now(),
            nightFloorPercent: configuration.hardware.minNightLevelPercent)
        health = LampHealthMonitor(settings: configuration.settings.lamp, counters: counters)
    }

    public var counters: LampCounters { health.counters }
    public var output: DimmingOutput? { lastOutput }
    public var sensorFaults: [String: String] { faults }

    // MARK: Start-up

    /// Opens every part. The dimmer is required for dimming but not for light: without it the relay still switches
    /// and the LED driver runs at its own default level.
    public func start() async {
        let hardware = configuration.hardware
        let sleep = driverSleep
        await openDimmer()
        if let address = hardware.lux {
            await attempt("lux") {
                let sensor = VEML7700(
                    device: try await parts.bus.device(at: I2CAddress(integerLiteral: address)), sleep: sleep)
                try await sensor.start()
                luxSensor = sensor
            }
        }
        if let address = hardware.climate {
            await attempt("climate") {
                climate = try await BME280(device: try await parts.bus.device(at: I2CAddress(integerLiteral: address)))
            }
        }
        if let address = hardware.dust {
            await attempt("dust") {
                let sensor = try await SPS30(
                    device: try await parts.bus.device(at: I2CAddress(integerLiteral: address)))
                try await sensor.setAutoCleaningInterval(seconds: configuration.environment.dustCleanIntervalSeconds)
                try await sensor.startMeasurement()
                dust = sensor
                dustStartedAt = now()
            }
        }
        if let address = hardware.meter {
            await attempt("meter") {
                let meter = try INA219(
                    device: try await parts.bus.device(at: I2CAddress(integerLiteral: address)),
                    shuntOhms: hardware.shuntOhms, maxExpectedAmps: hardware.maxAmps)
                try await meter.start()
                self.meter = meter
            }
        }
        await controlStep()
    }

    private func openDimmer() async {
        let sleep = driverSleep
        await attempt("dimmer") {
            let dimmer = PCA9685(
                device: try await parts.bus.device(at: I2CAddress(integerLiteral: configuration.hardware.dimmer)),
                sleep: sleep)
            try await dimmer.start(frequencyHertz: Double(configuration.settings.pwmFrequencyHz))
            self.dimmer = dimmer
        }
    }

    // MARK: Loops (the daemon calls these periodically; tests call them directly)

    /// Reads the outputs back and puts them right. A brown-out resets the PCA9685 to its power-on state (asleep,
    /// outputs off) without a failed transfer, and a relay line can be changed behind our back; either would leave the
    /// street wrongly lit until the level next changes. A chip found reset is set up again and counted as a bus
    /// error; a dimmer that failed at start is opened again.
    public func verifyOutputs() async {
        // Holding `stepping` keeps control steps from writing between a read-back and its comparison; one that asks
        // meanwhile runs afterwards.
        guard !selfTestRunning, !stepping, let applied else { return }
        stepping = true
        let wrong = await readBackDifferences(applied)
        stepping = false
        for (part, found) in wrong.sorted(by: { $0.key < $1.key }) {
            await sink.event("output-reasserted", ["part": .string(part), "found": .string(found)])
        }
        if !wrong.isEmpty {
            // Forget what was applied so the step writes every output again.
            self.applied = nil
        }
        if !wrong.isEmpty || stepAgain { await controlStep() }
    }

    private func readBackDifferences(_ applied: (relay: Bool, duty: Double?)) async -> [String: String] {
        var wrong: [String: String] = [:]
        do throws(GPIOError) {
            let relay = try await parts.relay.read() == .active
            if relay != applied.relay { wrong["relay"] = "line reads \(relay ? "on" : "off")" }
        } catch {
            await fault("relay", error)
        }
        if let dimmer {
            do throws(I2CError) {
                if let difference = try await dimmer.setUpDifference(
                    frequencyHertz: Double(configuration.settings.pwmFrequencyHz))
                {
                    wrong["dimmer"] = difference
                    await sink.busError(dimmer.device.bus)
                    try await dimmer.start(frequencyHertz: Double(configuration.settings.pwmFrequencyHz))
                } else if let duty = applied.duty,
                    try await dimmer.registers(channel: configuration.hardware.dimmerChannel)
                        != PCA9685.ChannelRegisters(dutyCycle: duty)
                {
                    wrong["dimmer"] = "LED\(configuration.hardware.dimmerChannel) registers differ from duty \(duty)"
                }
            } catch {
                await fault("dimmer", error)
            }
        } else {
            await openDimmer()
            if dimmer != nil { wrong["dimmer"] = "opened after failing before" }
        }
        return wrong
    }

    /// Reads ambient light into the policy (a failed read degrades to the astronomical clock).
    public func luxStep() async {
        guard let luxSensor else {
            record(policy.luxSensorFailed(at: now()))
            return
        }
        do throws(I2CError) {
            let reading = try await luxSensor.illuminance()
            await clearFault("lux")
            lastLux = reading.lux
            record(policy.luxReading(reading.lux, at: now()))
        } catch {
            await fault("lux", error)
            record(policy.luxSensorFailed(at: now()))
        }
    }

    /// Advances fades and time-based layers and puts the result on the relay and the dimmer.
    ///
    /// Commands, motion and the loop all call this; actor methods interleave at `await`s, so one step runs at a time
    /// and a call meanwhile makes it go round again with the newest policy output — the outputs never end up on a
    /// stale level.
    public func controlStep() async {
        guard !stepping else {
            stepAgain = true
            return
        }
        stepping = true
        defer { stepping = false }
        repeat {
            stepAgain = false
            await controlStepOnce()
        } while stepAgain
    }

    private var stepping = false
    private var stepAgain = false

    private func controlStepOnce() async {
        let instant = now()
        var output = policy.update(at: instant)
        if let until = identifyUntil {
            if instant < until {
                // Identify: 1 Hz blink between full and the minimum level, so a technician can find the pole.
                let phase = Int(instant.secondsSinceEpoch.rounded(.down)) % 2 == 0
                output.relayOn = true
                output.levelPercent = phase ? 100 : configuration.settings.minimumOnLevelPercent
            } else {
                identifyUntil = nil
            }
        }
        record(output)
        guard !selfTestRunning else { return }
        await apply(relay: output.relayOn, levelPercent: output.relayOn ? output.levelPercent : 0)
        health.commanded(levelPercent: output.relayOn ? output.targetLevelPercent : 0, at: instant)
        await publishStateIfChanged(output)
    }

    /// Samples lamp power and reports lamp-health findings as events.
    public func powerStep() async {
        guard let meter, !selfTestRunning else { return }
        do throws(I2CError) {
            let watts = try await meter.measurement().powerWatts
            await clearFault("meter")
            let report = health.powerSample(
                watts: watts, at: now(), utcOffsetMinutes: configuration.settings.utcOffsetMinutes)
            for finding in report.raised {
                await sink.event(finding.code.name, Self.fields(finding))
            }
            for finding in report.cleared {
                await sink.event(finding.code.name + "-cleared", Self.fields(finding))
            }
        } catch {
            await fault("meter", error)
        }
    }

    /// Publishes `telemetry/environment` and `telemetry/lamp`.
    public func environmentStep() async {
        var values: [String: JSONValue] = [:]
        if let climate {
            do throws(I2CError) {
                let sample = try await climate.measure()
                await clearFault("climate")
                values["temperature_c"] = .number(Self.round(sample.temperatureCelsius, 2))
                if let humidity = sample.humidityPercent { values["humidity_pct"] = .number(Self.round(humidity, 1)) }
                if let pressure = sample.pressureHectopascals {
                    values["pressure_hpa"] = .number(Self.round(pressure, 2))
                }
            } catch {
                await fault("climate", error)
            }
        }
        if let dust, let started = dustStartedAt {
            let warm = now().seconds(since: started) >= configuration.environment.dustWarmup.totalSeconds
            do throws(I2CError) {
                if warm, try await dust.isDataReady() {
                    let sample = try await dust.readMeasurement()
                    await clearFault("dust")
                    let pm25 = sample.massPM2p5MicrogramsPerCubicMeter
                    let pm10 = sample.massPM10MicrogramsPerCubicMeter
                    values["pm1_ugm3"] = .number(Self.round(sample.massPM1p0MicrogramsPerCubicMeter, 1))
                    values["pm2_5_ugm3"] = .number(Self.round(pm25, 1))
                    values["pm4_ugm3"] = .number(Self.round(sample.massPM4p0MicrogramsPerCubicMeter, 1))
                    values["pm10_ugm3"] = .number(Self.round(pm10, 1))
                    values["air_quality"] = .string(
                        AirQualityCategory.overall(pm25MicrogramsPerCubicMeter: pm25, pm10MicrogramsPerCubicMeter: pm10)
                            .description)
                } else if !warm {
                    values["dust_warming_up"] = true
                }
            } catch {
                await fault("dust", error)
            }
        }
        if let lux = lastLux { values["lux"] = .number(Self.round(lux, 1)) }
        if !values.isEmpty { await sink.telemetry("environment", values) }
        let counters = health.counters
        await sink.telemetry(
            "lamp",
            [
                "level_pct": .number(Self.round(lastOutput?.levelPercent ?? 0, 1)),
                "relay": .bool(applied?.relay ?? false),
                "energy_today_wh": .number(Self.round(counters.energyTodayWattHours, 2)),
                "energy_total_wh": .number(Self.round(counters.energyTotalWattHours, 2)),
                "burning_hours_total": .number(Self.round(counters.burningHoursTotal, 3)),
                "watts": .number(Self.round(counters.lastSampleWatts ?? 0, 2)),
            ])
    }

    /// Motion on the presence sensor: boost.
    public func motionDetected() async {
        record(policy.motionDetected(at: now()))
        await controlStep()
    }

    // MARK: Commands

    public func setLevel(percent: Double, durationSeconds: Double?) async {
        let instant = now()
        record(
            policy.setOverride(
                levelPercent: percent, until: durationSeconds.map { instant.adding(seconds: $0) }, at: instant))
        await controlStep()
    }

    public func clearOverride() async {
        record(policy.clearOverride(at: now()))
        await controlStep()
    }

    public func setProfile(_ profile: [StreetlightSettings.ProfileEntry]) async {
        record(policy.setProfile(profile, at: now()))
        await controlStep()
    }

    /// Blinks the lamp for `seconds`.
    public func identify(seconds: Double) async {
        identifyUntil = now().adding(seconds: seconds)
        await controlStep()
    }

    /// Switches the lamp fully on, lets the supply settle, measures the power, switches back, and judges the draw
    /// against the rated power with the configured tolerance.
    public func selfTest(settle: Duration) async -> (passed: Bool, details: [String: JSONValue]) {
        guard let meter else { return (false, ["reason": "no lamp supply meter configured"]) }
        guard !selfTestRunning else { return (false, ["reason": "a self-test is already running"]) }
        // While the test holds the lamp, control steps keep deciding but leave the outputs alone, and lamp health
        // does not judge the test's power draw.
        selfTestRunning = true
        await apply(relay: true, levelPercent: 100)
        await driverSleep(settle)
        let measured: Result<Double, I2CError>
        do throws(I2CError) {
            measured = .success(try await meter.measurement().powerWatts)
        } catch {
            measured = .failure(error)
        }
        selfTestRunning = false
        await controlStep()
        switch measured {
        case .failure(let error):
            return (false, ["reason": .string("\(error)")])
        case .success(let watts):
            let minimum = health.expectedMinimumWatts(levelPercent: 100)
            return (
                watts >= minimum,
                [
                    "measured_w": .number(Self.round(watts, 2)), "expected_min_w": .number(Self.round(minimum, 2)),
                    "rated_w": .number(configuration.settings.lamp.ratedPowerWatts),
                ]
            )
        }
    }

    private var selfTestRunning = false

    /// Takes remotely applied settings (hardware stays as started).
    public func apply(settings: StreetlightSettings, environment: StreetlightConfiguration.Environment) async {
        configuration.settings = settings
        configuration.environment = environment
        let instant = now()
        policy = DimmingPolicy(
            settings: settings, start: instant, nightFloorPercent: configuration.hardware.minNightLevelPercent)
        health.settings = settings.lamp
        if let dimmer {
            do throws(I2CError) {
                try await dimmer.setFrequency(hertz: Double(settings.pwmFrequencyHz))
            } catch {
                await fault("dimmer", error)
            }
        }
        await controlStep()
    }

    /// The safe state for a stop: lamp on at full level.
    public func enterSafeState() async {
        identifyUntil = nil
        await apply(relay: true, levelPercent: 100)
    }

    /// Whether the light can be controlled: the relay and the dimmer answered at their last use.
    public var isHealthy: Bool { faults["relay"] == nil && faults["dimmer"] == nil }

    // MARK: Internals

    private var lastLux: Double?

    private func record(_ output: DimmingOutput) {
        lastOutput = output
    }

    private func apply(relay: Bool, levelPercent: Double) async {
        let duty = min(max(levelPercent / 100, 0), 1)
        // Dim before closing the relay and after opening it, so the lamp never flashes at a stale level.
        var written: Double? = dimmer == nil ? (relay ? 1 : 0) : applied?.duty
        if let dimmer, applied?.duty != duty, relay {
            written = await setDuty(dimmer, duty)
        }
        if applied?.relay != relay {
            do throws(GPIOError) {
                try await parts.relay.write(relay ? .active : .inactive)
                await clearFault("relay")
            } catch {
                await fault("relay", error)
                // The relay is as before; remember a duty that did reach the dimmer.
                if let previous = applied { applied = (previous.relay, written) }
                return
            }
        }
        if let dimmer, applied?.duty != duty, !relay {
            written = await setDuty(dimmer, duty)
        }
        applied = (relay, written)
    }

    /// The duty written, or nil when the write failed (so the next step tries again).
    private func setDuty(_ dimmer: PCA9685, _ duty: Double) async -> Double? {
        do throws(I2CError) {
            try await dimmer.setDutyCycle(channel: configuration.hardware.dimmerChannel, duty)
            await clearFault("dimmer")
            return duty
        } catch {
            await fault("dimmer", error)
            return nil
        }
    }

    private func publishStateIfChanged(_ output: DimmingOutput) async {
        var state: [String: JSONValue] = [
            "layer": .string(output.activeLayer.rawValue), "switching": .string(output.switchingLayer.rawValue),
            "relay": .bool(output.relayOn), "target_level_pct": .number(Self.round(output.targetLevelPercent, 1)),
            "lux_sensor_degraded": .bool(output.luxSensorDegraded),
            "sensor_faults": .array(faults.keys.sorted().map { .string($0) }),
        ]
        if identifyUntil != nil { state["identify"] = true }
        guard state != lastState else { return }
        lastState = state
        await sink.state(state)
    }

    private func attempt(_ part: String, _ body: () async throws -> Void) async {
        do {
            try await body()
            await clearFault(part)
        } catch {
            await fault(part, error)
        }
    }

    private func fault(_ part: String, _ error: any Error) async {
        let text = "\(error)"
        let isNew = faults[part] == nil
        faults[part] = text
        if isNew { await sink.event("sensor-fault", ["part": .string(part), "error": .string(text)]) }
    }

    private func clearFault(_ part: String) async {
        guard faults.removeValue(forKey: part) != nil else { return }
        await sink.event("sensor-recovered", ["part": .string(part)])
    }

    private static func fields(_ finding: LampFinding) -> [String: JSONValue] {
        var values: [String: JSONValue] = [
            "since": .string(finding.since.description), "power_w": .number(round(finding.powerWatts, 2)),
            "commanded_level_pct": .number(finding.commandedLevelPercent),
        ]
        if let minimum = finding.expectedMinimumWatts { values["expected_min_w"] = .number(round(minimum, 2)) }
        if let transitions = finding.transitions { values["transitions"] = .number(Double(transitions)) }
        return values
    }

    static func round(_ value: Double, _ digits: Int) -> Double {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        return (value * scale).rounded() / scale
    }
}
