import ADXL355
import BoardSupport
import ConfigSupport
import Foundation
import HAL
import HALSim
import Locking

/// A physical model between the rig's devices: reads outputs (PWM duty, relay line) and sets inputs (lux, current)
/// as time passes. Scenarios adjust a model's own quantities with `model.set`.
protocol RigModel: RigQuantities {
    var name: String { get }
    var quantityNames: [String] { get }
    /// Models that stream samples (the accelerometer) tick every few milliseconds instead of every 100 ms.
    var needsFastTicks: Bool { get }
    func tick(at date: Date, elapsed: Duration)
    func set(_ quantity: String, to value: Double) -> Bool
    func value(_ quantity: String) -> Double?
}

extension RigModel {
    var needsFastTicks: Bool { false }

    func hold(_ values: [String: Double]) -> Bool { values.allSatisfy { set($0.key, to: $0.value) } }

    /// Model quantities are the model's own; nothing holds them against anything.
    func release(_ quantity: String) {}
}

extension VirtualRig {
    static func makeModel(
        _ model: RigFile.Model, index: Int, devices: [Device], modbusDevices: [ModbusDevice],
        gpioChips: [String: SimulatedGPIOChip], board: Board
    ) throws(ConfigIssue) -> any RigModel {
        func gpio(_ key: String) throws(ConfigIssue) -> (chip: SimulatedGPIOChip, offset: GPIOLineOffset) {
            let name = model.references[key] ?? ""
            guard let found = line(name, board: board, gpioChips: gpioChips) else {
                throw ConfigIssue(
                    .unknownReference, path: "$.models[\(index)].\(key)", expected: "a GPIO line of the board",
                    found: "\"\(name)\"", suggestion: NearestMatch.suggestion(for: name, among: board.gpioLineNames))
            }
            return found
        }
        func device(_ key: String, chip: String) throws(ConfigIssue) -> Device {
            let name = model.references[key] ?? ""
            guard let device = devices.first(where: { $0.name == name }), device.chipName == chip else {
                let candidates = devices.filter { $0.chipName == chip }.map(\.name)
                throw ConfigIssue(
                    .unknownReference, path: "$.models[\(index)].\(key)",
                    expected: "the name of a \(chip) on this rig (" + candidates.joined(separator: ", ") + ")",
                    found: "\"\(name)\"", suggestion: NearestMatch.suggestion(for: name, among: candidates))
            }
            return device
        }
        switch model.kind {
        case "lamp":
            let relayName = model.references["relay"] ?? ""
            guard let relay = line(relayName, board: board, gpioChips: gpioChips) else {
                throw ConfigIssue(
                    .unknownReference, path: "$.models[\(index)].relay", expected: "a GPIO line of the board",
                    found: "\"\(relayName)\"",
                    suggestion: NearestMatch.suggestion(for: relayName, among: board.gpioLineNames))
            }
            return LampModel(
                pwm: try device("pwm", chip: "PCA9685"), channel: Int(model.numbers["channel"] ?? 0),
                relay: relay, meter: try device("meter", chip: "INA219"),
                ratedWatts: model.numbers["rated_watts"] ?? 60, supplyVolts: model.numbers["supply_volts"] ?? 24)
        case "ev":
            let meterName = model.references["meter"] ?? ""
            guard let meter = modbusDevices.first(where: { $0.name == meterName }), meter.kind == "SDM630" else {
                throw ConfigIssue(
                    .unknownReference, path: "$.models[\(index)].meter", expected: "the name of an SDM630 on this rig",
                    found: "\"\(meterName)\"")
            }
            return EVModel(
                pwm: try device("pwm", chip: "PCA9685"), adc: try device("adc", chip: "ADS1115"),
                contactor: try gpio("contactor"), feedback: try gpio("feedback"), lock: try gpio("lock"),
                lockFeedback: try gpio("lock_feedback"), rcd: try gpio("rcd"), meter: meter, numbers: model.numbers)
        case "fuel-cell":
            let stackName = model.references["stack"] ?? ""
            guard let stack = modbusDevices.first(where: { $0.name == stackName }), stack.kind == "FuelCellController"
            else {
                throw ConfigIssue(
                    .unknownReference, path: "$.models[\(index)].stack",
                    expected: "the name of a FuelCellController on this rig", found: "\"\(stackName)\"")
            }
            return FuelCellEnclosureModel(
                adc: try device("adc", chip: "ADS1115"), stack: stack, eStop: try gpio("e_stop"), numbers: model.numbers
            )
        case "vibration":
            let interruptName = model.references["interrupt"] ?? ""
            guard let interrupt = line(interruptName, board: board, gpioChips: gpioChips) else {
                throw ConfigIssue(
                    .unknownReference, path: "$.models[\(index)].interrupt", expected: "a GPIO line of the board",
                    found: "\"\(interruptName)\"",
                    suggestion: NearestMatch.suggestion(for: interruptName, among: board.gpioLineNames))
            }
            let sensor = try device("sensor", chip: "ADXL355")
            guard let chip = sensor.chip as? SimulatedADXL355 else {
                throw ConfigIssue(
                    .unknownReference, path: "$.models[\(index)].sensor", expected: "an ADXL355", found: sensor.chipName
                )
            }
            return VibrationModel(chip: chip, interrupt: interrupt, numbers: model.numbers)
        default:
            return DaylightModel(
                sensor: try device("sensor", chip: "VEML7700"), latitude: model.numbers["latitude"] ?? 0,
                longitude: model.numbers["longitude"] ?? 0, peakLux: model.numbers["peak_lux"] ?? 100_000,
                clouds: model.numbers["clouds"] ?? 0, seed: UInt64(max(model.numbers["seed"] ?? 1, 1)))
        }
    }
}

/// An LED luminaire behind a relay and a PWM dimmer, measured by an INA219 on its supply: the electrical power is the
/// rated power times the duty cycle while the relay is closed. `failed` (a dead LED driver) draws nothing;
/// `relay_stuck` (welded contacts) keeps drawing with the relay commanded open.
final class LampModel: RigModel {
    let name = "lamp"
    let pwm: VirtualRig.Device
    let channel: Int
    let relay: (chip: SimulatedGPIOChip, offset: GPIOLineOffset)
    let meter: VirtualRig.Device
    let ratedWatts: Double
    let supplyVolts: Double
    private let faults = Lock<[String: Double]>(["failed": 0, "relay_stuck": 0])

    init(
        pwm: VirtualRig.Device, channel: Int, relay: (chip: SimulatedGPIOChip, offset: GPIOLineOffset),
        meter: VirtualRig.Device, ratedWatts: Double, supplyVolts: Double
    ) {
        self.pwm = pwm
        self.channel = channel
        self.relay = relay
        self.meter = meter
        self.ratedWatts = ratedWatts
        self.supplyVolts = supplyVolts
    }

    var quantityNames: [String] { ["failed", "relay_stuck", "watts"] }

    func tick(at date: Date, elapsed: Duration) {
        meter.model(["bus_volts": supplyVolts, "amps": watts / supplyVolts])
    }

    var watts: Double {
        let faults = faults.withLock { $0 }
        let closed = relay.chip.outputLevel(relay.offset) == true || faults["relay_stuck", default: 0] != 0
        guard closed, faults["failed", default: 0] == 0 else { return 0 }
        let duty = pwm.value("duty\(channel)") ?? 0
        // A welded relay feeds the driver even when the dimmer says 0: it falls back to its default (100 %) level.
        let level = relay.chip.outputLevel(relay.offset) == true ? duty : 1
        return ratedWatts * min(max(level, 0), 1)
    }

    func set(_ quantity: String, to value: Double) -> Bool {
        guard quantity == "failed" || quantity == "relay_stuck" else { return false }
        faults.withLock { $0[quantity] = value }
        return true
    }

    func value(_ quantity: String) -> Double? {
        quantity == "watts" ? watts : faults.withLock { $0[quantity] }
    }
}

/// Ambient light at a place: clear-sky illuminance from the sun's elevation (full daylight at high sun, a logarithmic
/// fall through civil twilight to moonless night), dimmed by slowly drifting clouds. `lux` set through `model.set`
/// overrides the curve (`auto` returns to it).
final class DaylightModel: RigModel {
    let name = "daylight"
    let sensor: VirtualRig.Device
    let latitude: Double
    let longitude: Double
    let peakLux: Double
    private let state: Lock<(clouds: Double, cover: Double, random: UInt64, override: Double?)>

    init(sensor: VirtualRig.Device, latitude: Double, longitude: Double, peakLux: Double, clouds: Double, seed: UInt64)
    {
        self.sensor = sensor
        self.latitude = latitude
        self.longitude = longitude
        self.peakLux = peakLux
        self.state = Lock((clouds, clouds / 2, seed, nil))
    }

    var quantityNames: [String] { ["lux", "clouds", "auto", "elevation_deg"] }

    func tick(at date: Date, elapsed: Duration) {
        let lux = state.withLock { state -> Double in
            if let override = state.override { return override }
            // A random walk of cloud cover in 0…clouds, changing over minutes rather than ticks.
            state.random = state.random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let step = (Double(state.random >> 11) / Double(1 << 53) - 0.5) * 0.02
            state.cover = min(max(state.cover + step, 0), state.clouds)
            return Self.clearSkyLux(elevation: elevation(at: date), peak: peakLux) * (1 - 0.8 * state.cover)
        }
        sensor.model(["lux": lux])
    }

    func set(_ quantity: String, to value: Double) -> Bool {
        switch quantity {
        case "lux": state.withLock { $0.override = max(value, 0) }
        case "auto": state.withLock { $0.override = nil }
        case "clouds": state.withLock { $0.clouds = min(max(value, 0), 1) }
        default: return false
        }
        return true
    }

    func value(_ quantity: String) -> Double? {
        switch quantity {
        case "lux": sensor.value("lux")
        case "clouds": state.withLock { $0.clouds }
        case "elevation_deg": elevation(at: Date())
        default: nil
        }
    }

    /// The sun's elevation in degrees (declination and equation-of-time approximations, within about 1°).
    func elevation(at date: Date) -> Double {
        let days = date.timeIntervalSince1970 / 86_400
        let dayOfYear = days.truncatingRemainder(dividingBy: 365.2422)
        let gamma = 2 * Double.pi / 365 * (dayOfYear - 1)
        let declination =
            0.006918 - 0.399912 * cos(gamma) + 0.070257 * sin(gamma) - 0.006758 * cos(2 * gamma)
            + 0.000907 * sin(2 * gamma)
        let equationOfTimeMinutes =
            229.18
            * (0.000075 + 0.001868 * cos(gamma) - 0.032077 * sin(gamma) - 0.014615 * cos(2 * gamma) - 0.040849
                * sin(2 * gamma))
        let utcMinutes = (days - days.rounded(.down)) * 1440
        let solarMinutes = utcMinutes + equationOfTimeMinutes + 4 * longitude
        let hourAngle = (solarMinutes / 4 - 180) * .pi / 180
        let phi = latitude * .pi / 180
        let sine = sin(phi) * sin(declination) + cos(phi) * cos(declination) * cos(hourAngle)
        return asin(min(max(sine, -1), 1)) * 180 / .pi
    }

    /// Clear-sky illuminance: `peak` × sin(elevation) above 0°, about 400 lx at sunset falling tenfold per 2° to
    /// 0.004 lx below −10° (civil twilight ends at −6° near 3 lx).
    static func clearSkyLux(elevation: Double, peak: Double) -> Double {
        if elevation > 0 { return max(peak * sin(elevation * .pi / 180), 400) }
        return max(400 * pow(10, elevation / 2), 0.004)
    }
}

/// A structure's vibration at the accelerometer: gravity through the static tilt, three structural modes, sensor
/// noise, and impulse events (`shock`: a decaying 12 Hz response of the given peak, in g). Samples are pushed into the
/// ADXL355's FIFO at the data rate the daemon configured, in real time, and the chosen interrupt pin drives the GPIO
/// line the daemon waits on.
final class VibrationModel: RigModel {
    let name = "vibration"
    let needsFastTicks = true
    let chip: SimulatedADXL355
    let interrupt: (chip: SimulatedGPIOChip, offset: GPIOLineOffset)
    private let state: Lock<State>

    private struct State {
        var numbers: [String: Double]
        var time: Double = 0
        var carry: Double = 0
        var random: UInt64
        var shock: (start: Double, peak: Double)?
        var pushed = 0
    }

    init(
        chip: SimulatedADXL355, interrupt: (chip: SimulatedGPIOChip, offset: GPIOLineOffset), numbers: [String: Double]
    ) {
        self.chip = chip
        self.interrupt = interrupt
        self.state = Lock(State(numbers: numbers, random: UInt64(max(numbers["seed"] ?? 1, 1))))
    }

    var quantityNames: [String] {
        ["shock", "noise_mg", "tilt_x_deg", "tilt_y_deg", "mode1_mg", "mode2_mg", "mode3_mg", "samples_pushed"]
    }

    func tick(at date: Date, elapsed: Duration) {
        let rate = ADXL355.OutputDataRate(rawValue: chip.register(ADXL355.Register.filter) & 0x0F)?.hertz ?? 1000
        let samples = state.withLock { state -> [(x: Double, y: Double, z: Double)] in
            let seconds = elapsed.totalSeconds
            // A stalled rig (a debugger, a loaded CI machine) must not dump seconds of samples at once.
            let wanted = min(seconds, 0.05) * rate + state.carry
            let count = Int(wanted)
            state.carry = wanted - Double(count)
            return (0..<count).map { _ in
                state.time += 1 / rate
                state.pushed += 1
                return Self.sample(&state)
            }
        }
        let pin = state.withLock { $0.numbers["interrupt_pin"] ?? 1 }
        func updateLine() {
            let level = chip.interruptLevel
            interrupt.chip.setInputLevel(interrupt.offset, high: pin == 2 ? level.int2 : level.int1)
        }
        // The pin follows the FIFO: first as the daemon's reads left it (low when drained below the watermark), then
        // after this tick's samples — so every refill past the watermark is an edge, even when one tick carries a
        // whole watermark's worth of samples (4000 Hz).
        updateLine()
        if !samples.isEmpty { chip.pushSamples(samples) }
        updateLine()
    }

    private static func sample(_ state: inout State) -> (x: Double, y: Double, z: Double) {
        let t = state.time
        let n = state.numbers
        func noise() -> Double {
            state.random = state.random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            // Sum of two uniforms: a cheap, roughly bell-shaped noise of the given RMS order.
            let a = Double(state.random >> 11) / Double(1 << 53)
            state.random = state.random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let b = Double(state.random >> 11) / Double(1 << 53)
            return (a + b - 1) * 1.22
        }
        var structural = 0.0
        for mode in 1...3 {
            let hertz = n["mode\(mode)_hz"] ?? 0
            let amplitude = (n["mode\(mode)_mg"] ?? 0) / 1000
            structural += amplitude * sin(2 * .pi * hertz * t + Double(mode))
        }
        var impulse = 0.0
        if let shock = state.shock {
            let age = t - shock.start
            if age > 3 {
                state.shock = nil
            } else if age >= 0 {
                impulse = shock.peak * exp(-age / 0.25) * sin(2 * .pi * 12 * age)
            }
        }
        let noiseG = (n["noise_mg"] ?? 0) / 1000
        let tiltX = (n["tilt_x_deg"] ?? 0) * .pi / 180
        let tiltY = (n["tilt_y_deg"] ?? 0) * .pi / 180
        return (
            x: sin(tiltX) + structural + impulse + noiseG * noise(),
            y: sin(tiltY) + 0.6 * structural + 0.6 * impulse + noiseG * noise(),
            z: cos(tiltX) * cos(tiltY) + 0.3 * impulse + noiseG * noise()
        )
    }

    func set(_ quantity: String, to value: Double) -> Bool {
        switch quantity {
        case "shock": state.withLock { $0.shock = ($0.time, value) }
        case "samples_pushed": return false
        case let name where quantityNames.contains(name): state.withLock { $0.numbers[name] = value }
        default: return false
        }
        return true
    }

    func value(_ quantity: String) -> Double? {
        state.withLock { state in
            switch quantity {
            case "samples_pushed": Double(state.pushed)
            case "shock": state.shock?.peak ?? 0
            default: state.numbers[quantity]
            }
        }
    }
}

/// An electric vehicle at an AC charge point (IEC 61851-1 control pilot): the scenario moves it through the CP states
/// (`state`: 0 A unplugged, 1 B connected, 2 C charging, 3 D charging with ventilation, 4 E CP shorted to PE, 5 F);
/// the EV's load leaves the plateau (12/9/6/3 V) on the EVSE's +12 V; the PCA9685 channel is the EVSE's pilot
/// (full on: +12 V steady, full off: −12 V steady, else the ±12 V square wave). The front end puts the high level on
/// `adc_channel` and the low level (−12 V through the EV's diode; −plateau with `diode_fault`) on `adc_low_channel`,
/// both as (volts + `offset_volts`) × `divider`. With the contactor closed in C or D the EV draws the current the PWM
/// duty allows (10–85 %: duty × 0.6 A; 85–96 %: (duty − 64) × 2.5 A; capped at `ev_max_amps`), which the SDM630
/// meters; the contactor's auxiliary contact follows it unless `welded`. The cable's PP resistor (`cable_ohm`) against
/// the pull-up reaches `pp_channel`; the lock feedback follows the lock motor unless `lock_jammed`; `rcd` trips the
/// RCD line. A `model.set` takes effect at once, not at the next tick.
final class EVModel: RigModel {
    typealias Line = (chip: SimulatedGPIOChip, offset: GPIOLineOffset)
    let name = "ev"
    let pwm: VirtualRig.Device
    let adc: VirtualRig.Device
    let contactor: Line
    let feedback: Line
    let lock: Line
    let lockFeedback: Line
    let rcd: Line
    let meter: VirtualRig.ModbusDevice
    private let state: Lock<[String: Double]>

    init(
        pwm: VirtualRig.Device, adc: VirtualRig.Device, contactor: Line, feedback: Line, lock: Line,
        lockFeedback: Line, rcd: Line, meter: VirtualRig.ModbusDevice, numbers: [String: Double]
    ) {
        self.pwm = pwm
        self.adc = adc
        self.contactor = contactor
        self.feedback = feedback
        self.lock = lock
        self.lockFeedback = lockFeedback
        self.rcd = rcd
        self.meter = meter
        var values = numbers
        for key in ["state", "welded", "diode_fault", "lock_jammed", "rcd"] { values[key] = 0 }
        state = Lock(values)
    }

    var quantityNames: [String] {
        [
            "state", "welded", "diode_fault", "lock_jammed", "rcd", "cable_ohm", "ev_max_amps", "amps", "cp_volts",
            "duty",
        ]
    }

    static let plateauVolts: [Double] = [12, 9, 6, 3, 0, -12]

    /// The current a duty cycle allows (IEC 61851-1 Table A.7).
    static func allowedAmps(duty: Double) -> Double {
        // The EV reads the duty to a tenth of a percent; the PCA9685's 12-bit steps (0.024 %) do not count.
        let percent = (duty * 1000).rounded() / 10
        switch percent {
        case 10...85: return percent * 0.6
        case 85...96: return (percent - 64) * 2.5
        default: return 0
        }
    }

    /// The pilot's high and low levels for the EV's state and the EVSE's oscillator.
    private func pilotLevels(_ values: [String: Double]) -> (high: Double, low: Double) {
        let cpState = min(max(Int(values["state"] ?? 0), 0), 5)
        let plateau = Self.plateauVolts[cpState]
        // State E shorts the line, F holds it at −12 V, whatever the EVSE drives.
        if cpState >= 4 { return (plateau, plateau) }
        let duty = pwm.value("duty\(Int(values["pwm_channel"] ?? 0))") ?? 0
        if duty <= 0 { return (-12, -12) }
        if duty >= 1 { return (plateau, plateau) }
        // Without the diode the EV's load divides the negative half as well (state A has no EV, hence no diode test).
        let low = cpState > 0 && values["diode_fault", default: 0] != 0 ? -plateau : -12
        return (plateau, low)
    }

    func tick(at date: Date, elapsed: Duration) {
        update(state.withLock { $0 })
    }

    private func update(_ values: [String: Double]) {
        let levels = pilotLevels(values)
        let divider = values["divider"] ?? 0.25
        let offset = values["offset_volts"] ?? 0
        // A single-ended ADC input cannot go below ground.
        var inputs = ["ain\(Int(values["adc_channel"] ?? 0))": max((levels.high + offset) * divider, 0)]
        if let low = values["adc_low_channel"], low >= 0 {
            inputs["ain\(Int(low))"] = max((levels.low + offset) * divider, 0)
        }
        if let pp = values["pp_channel"], pp >= 0 {
            let ohms = values["cable_ohm"] ?? 220
            let supply = values["pp_supply_v"] ?? 3.3
            // No vehicle plug: the socket's PP is open, the pull-up reads the supply.
            let plugged = Int(values["state"] ?? 0) != 0
            inputs["ain\(Int(pp))"] = plugged ? supply * ohms / (ohms + (values["pp_pullup_ohm"] ?? 1_000)) : supply
        }
        adc.model(inputs)
        let closed = contactor.chip.outputLevel(contactor.offset) == true
        feedback.chip.setInputLevel(feedback.offset, high: closed || values["welded", default: 0] != 0)
        let locking = lock.chip.outputLevel(lock.offset) == true
        if values["lock_jammed", default: 0] == 0 {
            lockFeedback.chip.setInputLevel(lockFeedback.offset, high: locking)
        }
        rcd.chip.setInputLevel(rcd.offset, high: values["rcd", default: 0] != 0)
        let amps = self.amps(values, closed: closed)
        let phases = Int(values["phases"] ?? 3)
        meter.model([
            "volts": values["volts"] ?? 230, "amps_l1": amps, "amps_l2": phases >= 2 ? amps : 0,
            "amps_l3": phases >= 3 ? amps : 0,
        ])
    }

    private func amps(_ values: [String: Double], closed: Bool) -> Double {
        let cpState = Int(values["state"] ?? 0)
        guard closed, cpState == 2 || cpState == 3 else { return 0 }
        let duty = pwm.value("duty\(Int(values["pwm_channel"] ?? 0))") ?? 0
        return min(Self.allowedAmps(duty: duty), values["ev_max_amps"] ?? 32)
    }

    func set(_ quantity: String, to value: Double) -> Bool {
        switch quantity {
        case "state": guard (0...5).contains(value) else { return false }
        case "cable_ohm": guard value > 0 else { return false }
        case "welded", "ev_max_amps", "diode_fault", "lock_jammed", "rcd": break
        default: return false
        }
        // At once, not at the next tick: a benchmark times the charge point's reaction from this call.
        update(
            state.withLock { values in
                values[quantity] = value
                return values
            })
        return true
    }

    func value(_ quantity: String) -> Double? {
        let values = state.withLock { $0 }
        switch quantity {
        case "amps": return amps(values, closed: contactor.chip.outputLevel(contactor.offset) == true)
        case "cp_volts": return pilotLevels(values).high
        case "duty": return pwm.value("duty\(Int(values["pwm_channel"] ?? 0))")
        default: return values[quantity]
        }
    }
}
