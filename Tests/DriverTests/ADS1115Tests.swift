import ADS1115
import HAL
import HALSim
import Testing

/// A device that answers every read with 0xFF, as an empty bus with pull-ups or a foreign chip might.
private final class AllOnesChip: SimulatedI2CChip {
    func received(_ bytes: [UInt8]) throws(SimulatedI2CFault) {}
    func transmit(count: Int) throws(SimulatedI2CFault) -> [UInt8] { Array(repeating: 0xFF, count: count) }
}

/// The ADS1115 driver against its simulated chip, asserting the bytes on the wire.
@Suite("ADS1115")
struct ADS1115Tests {
    let bus = SimulatedI2CBus(name: "sim-i2c")
    let chip: SimulatedADS1115

    init() {
        chip = SimulatedADS1115(timing: .readyAfterPolls(0))
        bus.attach(chip, at: ADS1115.defaultAddress)
    }

    /// A driver with a generous timeout: the sim counts polls, so a loaded machine must not time out first.
    func driver(timeoutMargin: Duration = .seconds(60)) async throws -> ADS1115 {
        ADS1115(device: try await bus.device(at: ADS1115.defaultAddress), timeoutMargin: timeoutMargin)
    }

    /// The write messages on the wire, in order.
    var writes: [[UInt8]] {
        bus.log.compactMap { if case .write(_, let bytes) = $0 { bytes } else { nil } }
    }

    @Test("ADDR to GND, VDD, SDA, SCL selects 0x48…0x4B (datasheet Table 4)")
    func addresses() {
        #expect(ADS1115.address(.gnd) == 0x48)
        #expect(ADS1115.address(.vdd) == 0x49)
        #expect(ADS1115.address(.sda) == 0x4A)
        #expect(ADS1115.address(.scl) == 0x4B)
    }

    @Test("registers read their reset values, MSB first (Config 8583h, Lo_thresh 8000h, Hi_thresh 7FFFh)")
    func resetValues() async throws {
        let device = try await bus.device(at: 0x48)
        #expect(try await device.writeRead([0x00], readCount: 2) == [0x00, 0x00])
        #expect(try await device.writeRead([0x01], readCount: 2) == [0x85, 0x83])
        #expect(try await device.writeRead([0x02], readCount: 2) == [0x80, 0x00])
        #expect(try await device.writeRead([0x03], readCount: 2) == [0x7F, 0xFF])
        let adc = try await driver()
        #expect(try await adc.readRegister(.config) == ADS1115.configResetValue)
        #expect(
            try await adc.readConfig()
                == ADS1115.Config(input: .ain0MinusAin1, gain: .fsr2048mV, continuous: false, dataRate: .sps128))
    }

    @Test("the datasheet quickstart: continuous AIN0–AIN1, ±2.048 V, 128 SPS writes 01h 84h 83h")
    func quickstartContinuous() async throws {
        let adc = try await driver()
        chip.setInput(channel: 0, volts: 1.0)
        chip.setInput(channel: 1, volts: 0.5)
        try await adc.startContinuous(.ain0MinusAin1, gain: .fsr2048mV, dataRate: .sps128)
        #expect(writes.first == [0x01, 0x84, 0x83])
        // 0.5 V / 62.5 µV = 8000 = 1F40h.
        #expect(try await adc.readRegister(.conversion) == 0x1F40)
        #expect(bus.log.suffix(3) == [.write(0x48, [0x00]), .read(0x48, [0x1F, 0x40]), .stop])
        // Continuous mode keeps converting: a new input shows up in the next read.
        chip.setInput(channel: 1, volts: 1.25)
        let volts = try await adc.readContinuousVolts(gain: .fsr2048mV)
        #expect(abs(volts - -0.25) <= ADS1115.Gain.fsr2048mV.lsbVolts / 2)
        try await adc.stopContinuous()
        #expect(writes.last == [0x01, 0x05, 0x83])
        #expect(chip.registerValue(.config) == 0x8583)
    }

    @Test("single-shot: Config with OS = 1, poll OS, then read Conversion, all big-endian")
    func singleShotWire() async throws {
        chip.setTiming(.readyAfterPolls(2))
        chip.setInput(channel: 0, volts: 1.0)
        let adc = try await driver()
        let code = try await adc.measureCode(.ain0, gain: .fsr4096mV, dataRate: .sps860)
        // OS 1, MUX 100, PGA 001, MODE 1, DR 111, COMP_QUE 11 = C3E3h; 1.0 V / 125 µV = 8000 = 1F40h.
        #expect(code == 8000)
        #expect(
            bus.log == [
                .write(0x48, [0x01, 0xC3, 0xE3]), .stop,
                .write(0x48, [0x01]), .read(0x48, [0x43, 0xE3]), .stop,
                .write(0x48, [0x01]), .read(0x48, [0x43, 0xE3]), .stop,
                .write(0x48, [0x01]), .read(0x48, [0xC3, 0xE3]), .stop,
                .write(0x48, [0x00]), .read(0x48, [0x1F, 0x40]), .stop,
            ])
        #expect(chip.conversionsStarted == 1)
        #expect(chip.conversionsCompleted == 1)
    }

    /// One row of the datasheet's output-code table: differential input and the bytes on the wire.
    struct OutputCode: Sendable, CustomTestStringConvertible {
        var volts: Double
        var wire: [UInt8]
        var testDescription: String { "\(volts) V → \(wire.map(hex).joined(separator: " "))" }
    }

    /// Datasheet 9.5.4, Table 3 "Output Codes" at FS = 2.048 V: +FS (2^15−1)/2^15 → 7FFFh, +FS/2^15 → 0001h,
    /// 0 → 0000h, −FS/2^15 → FFFFh, ≤ −FS → 8000h; and ≥ +FS clips to 7FFFh.
    static let outputCodeTable: [OutputCode] = [
        OutputCode(volts: 2.048 * 32767 / 32768, wire: [0x7F, 0xFF]),
        OutputCode(volts: 2.5, wire: [0x7F, 0xFF]),
        OutputCode(volts: 2.048 / 32768, wire: [0x00, 0x01]),
        OutputCode(volts: 0, wire: [0x00, 0x00]),
        OutputCode(volts: -2.048 / 32768, wire: [0xFF, 0xFF]),
        OutputCode(volts: -2.048, wire: [0x80, 0x00]),
        OutputCode(volts: -3.0, wire: [0x80, 0x00]),
    ]

    @Test("output codes (datasheet Table 3) at ±2.048 V, differential AIN0–AIN1", arguments: outputCodeTable)
    func outputCodes(row: OutputCode) async throws {
        let (differentialVolts, wire) = (row.volts, row.wire)
        // Keep both inputs positive, as the part requires: AIN1 sits at 2.5 V.
        chip.setInput(channel: 1, volts: 2.5)
        chip.setInput(channel: 0, volts: 2.5 + differentialVolts)
        let adc = try await driver()
        let volts = try await adc.measureVolts(.ain0MinusAin1, gain: .fsr2048mV)
        #expect(bus.log.suffix(3) == [.write(0x48, [0x00]), .read(0x48, wire), .stop])
        let code = Int16(bitPattern: UInt16(wire[0]) << 8 | UInt16(wire[1]))
        #expect(volts == Double(code) * ADS1115.Gain.fsr2048mV.lsbVolts)
    }

    @Test(
        "round trip volts → sim → driver within half an LSB, every PGA",
        arguments: ADS1115.Gain.allCases)
    func roundTrip(gain: ADS1115.Gain) async throws {
        let adc = try await driver()
        for fraction in [-0.9, -0.3, 0.001, 0.5, 0.99] {
            let volts = fraction * gain.fullScaleVolts
            chip.setInput(channel: 3, volts: 3.0)
            chip.setInput(channel: 2, volts: 3.0 + volts)
            let measured = try await adc.measureVolts(.ain2MinusAin3, gain: gain, dataRate: .sps860)
            #expect(abs(measured - volts) <= gain.lsbVolts / 2 + 1e-12, "\(gain) at \(volts) V")
        }
    }

    @Test("EV control pilot: +9 V through a 1/4 divider is 2.25 V at ±4.096 V = 4650h")
    func controlPilot() async throws {
        let divider = 0.25
        chip.setInput(channel: 0, volts: 9.0 * divider)
        let adc = try await driver()
        let volts = try await adc.measureVolts(.singleEnded(0), gain: .fsr4096mV)
        // 2.25 V / 125 µV = 18000 = 4650h.
        #expect(bus.log.suffix(3) == [.write(0x48, [0x00]), .read(0x48, [0x46, 0x50]), .stop])
        #expect(writes.first == [0x01, 0xC3, 0x83])
        let pilotVolts = volts / divider
        #expect(abs(pilotVolts - 9.0) <= ADS1115.Gain.fsr4096mV.lsbVolts / divider)
    }

    @Test("single-shot against the real 1/DR conversion time (860 SPS)")
    func realTimeConversion() async throws {
        chip.setTiming(.realTime)
        chip.setInput(channel: 1, volts: 0.1)
        let adc = try await driver()
        let volts = try await adc.measureVolts(.ain1, gain: .fsr256mV, dataRate: .sps860)
        #expect(abs(volts - 0.1) <= ADS1115.Gain.fsr256mV.lsbVolts / 2)
        #expect(ADS1115.DataRate.sps860.conversionTime == .microseconds(1163))
        #expect(ADS1115.DataRate.sps8.conversionTime == .milliseconds(125))
    }

    @Test("a conversion that never finishes fails with .invalidResponse after 1/DR × 1.1 + margin")
    func conversionTimeout() async throws {
        chip.setTiming(.readyAfterPolls(Int.max))
        let adc = try await driver(timeoutMargin: .milliseconds(1))
        #expect(adc.conversionTimeout(.sps860) == .microseconds(1163) * 1.1 + .milliseconds(1))
        do {
            _ = try await adc.measureVolts(.ain0, dataRate: .sps860)
            Issue.record("expected a timeout")
        } catch {
            #expect(error.code == .invalidResponse)
            #expect(error.description.hasPrefix("sim-i2c@0x48 read config: invalid response (conversion not finished"))
        }
    }

    @Test("conversion-ready pin: thresholds 8000h/0000h, COMP_QUE 00, ALERT/RDY asserts low when done")
    func conversionReadyPin() async throws {
        let adc = try await driver()
        #expect(chip.alertPinIsHigh)
        try await adc.enableConversionReadyPin()
        #expect(writes == [[0x03, 0x80, 0x00], [0x02, 0x00, 0x00]])
        chip.setTiming(.readyAfterPolls(1))
        _ = try await adc.measureCode(.ain0, comparator: .conversionReady())
        // OS 1, MUX 100, PGA 010, MODE 1 → C5h; DR 100, COMP_QUE 00 → 80h.
        #expect(writes[2] == [0x01, 0xC5, 0x80])
        #expect(!chip.alertPinIsHigh)
        _ = try await adc.measureCode(.ain0, comparator: .conversionReady(activeHigh: true))
        #expect(writes.last { $0.count == 3 } == [0x01, 0xC5, 0x88])
        #expect(chip.alertPinIsHigh)
    }

    @Test("thresholds in volts are written as codes for the PGA")
    func thresholds() async throws {
        let adc = try await driver()
        try await adc.setThresholds(lowVolts: -1.0, highVolts: 1.5, gain: .fsr2048mV)
        // 1.5 V / 62.5 µV = 24000 = 5DC0h; −1.0 V = −16000 = C180h.
        #expect(writes == [[0x03, 0x5D, 0xC0], [0x02, 0xC1, 0x80]])
        await #expect(throws: I2CError.self) {
            try await adc.setThresholds(lowVolts: 1, highVolts: 0.5, gain: .fsr2048mV)
        }
    }

    @Test("a NACK gives .nack from the driver")
    func nack() async throws {
        let adc = try await driver()
        bus.injectFault(.nack, at: 0x48)
        do {
            _ = try await adc.measureVolts(.ain0)
            Issue.record("expected a NACK")
        } catch {
            #expect(error.code == .nack)
        }
        bus.detach(at: 0x48)
        await #expect(throws: I2CError.self) { try await adc.readConfig() }
    }

    @Test("a device whose Config does not read back what was written gives .invalidResponse")
    func notAnADS1115() async throws {
        bus.attach(AllOnesChip(), at: 0x48)
        let adc = try await driver()
        do {
            _ = try await adc.measureVolts(.ain0)
            Issue.record("expected .invalidResponse")
        } catch {
            #expect(error.code == .invalidResponse)
            #expect(error.detail == "Config reads 0xFFFF after writing 0xC583")
        }
        await #expect(throws: I2CError.self) { try await adc.startContinuous(.ain1) }
    }
}
