import HAL
import HALLinux
import Testing

/// I²C behaviour every backend must show against a register-file chip (HALSim's, or the kernel's i2c-stub).
enum I2CScenarios {
    static func byteRoundTrip(_ rig: any I2CRig) async throws {
        let device = try await rig.bus.device(at: rig.address)
        try await device.writeByte(register: 0x10, value: 0x5A)
        #expect(try await device.readByte(register: 0x10) == 0x5A)
    }

    static func wordRoundTrip(_ rig: any I2CRig) async throws {
        let device = try await rig.bus.device(at: rig.address)
        try await device.writeWord(register: 0x30, value: 0x1234)
        #expect(try await device.readWord(register: 0x30) == 0x1234)
        #expect(try await device.readByte(register: 0x30) == 0x34)
    }

    /// Block write, then the same bytes by block read and by a repeated-start register read (which an SMBus-only
    /// adapter serves as an I²C-block read).
    static func blockRoundTrip(_ rig: any I2CRig) async throws {
        let device = try await rig.bus.device(at: rig.address)
        let bytes: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]
        try await device.writeBlock(register: 0x20, bytes: bytes)
        #expect(try await device.readBlock(register: 0x20, count: 8) == bytes)
        #expect(try await device.writeRead([0x20], readCount: 8) == bytes)
    }

    /// Plain writes set the pointer and store bytes; a one-byte write then a one-byte read reads at the pointer.
    /// On an SMBus-only adapter these become I²C-block write, send byte and receive byte.
    static func plainTransfers(_ rig: any I2CRig) async throws {
        let device = try await rig.bus.device(at: rig.address)
        try await device.write([0x40, 9, 8, 7])
        #expect(try await device.writeRead([0x40], readCount: 3) == [9, 8, 7])
        try await device.write([0x41])
        #expect(try await device.read(count: 1) == [8])
    }

    static func absentAddress(_ rig: any I2CRig) async throws {
        let device = try await rig.bus.device(at: rig.absentAddress)
        do {
            _ = try await device.readByte(register: 0x00)
            Issue.record("nothing is at \(rig.absentAddress), yet it answered")
        } catch {
            #expect(error.code == .nack, "\(error)")
            #expect(error.address == rig.absentAddress)
            #expect(error.description.hasPrefix("\(rig.bus.name)@\(rig.absentAddress) "))
        }
    }
}

@Suite("I2C backend-neutral (simulated)")
struct I2CSimulatedBackendTests {
    let rig: any I2CRig = SimulatedI2CRig()

    @Test func byteRoundTrip() async throws { try await I2CScenarios.byteRoundTrip(rig) }
    @Test func wordRoundTrip() async throws { try await I2CScenarios.wordRoundTrip(rig) }
    @Test func blockRoundTrip() async throws { try await I2CScenarios.blockRoundTrip(rig) }
    @Test func plainTransfers() async throws { try await I2CScenarios.plainTransfers(rig) }
    @Test func absentAddress() async throws { try await I2CScenarios.absentAddress(rig) }
}

@Suite(
    "I2C backend-neutral (linux, i2c-stub)", .serialized,
    .enabled(if: I2CStubRig.unavailableReason == nil, Comment(rawValue: I2CStubRig.unavailableReason ?? "")))
struct I2CLinuxBackendTests {
    @Test func byteRoundTrip() async throws { try await I2CScenarios.byteRoundTrip(try makeI2CRig(.linux)) }
    @Test func wordRoundTrip() async throws { try await I2CScenarios.wordRoundTrip(try makeI2CRig(.linux)) }
    @Test func blockRoundTrip() async throws { try await I2CScenarios.blockRoundTrip(try makeI2CRig(.linux)) }
    @Test func absentAddress() async throws { try await I2CScenarios.absentAddress(try makeI2CRig(.linux)) }
    @Test func plainTransfers() async throws { try await I2CScenarios.plainTransfers(try makeI2CRig(.linux)) }

    @Test("i2c-stub is SMBus-only: no I2C_FUNC_I2C, and a multi-byte plain read says why it cannot be done")
    func smbusOnly() async throws {
        let rig = try I2CStubRig.open()
        let bus = try #require(rig.bus as? LinuxI2CBus)
        #expect(!bus.supportsPlainI2C)
        let device = try await bus.device(at: rig.address)
        do {
            _ = try await device.read(count: 2)
            Issue.record("a 2-byte plain read worked on an SMBus-only adapter")
        } catch {
            #expect(error.code == .unsupported, "\(error)")
        }
    }
}
