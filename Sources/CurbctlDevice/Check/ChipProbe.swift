import ADS1115
import ADXL345
import ADXL355
import AT24C02
import BME280
public import HAL
import INA219
import MCP23017
import PCA9685
import SPS30
import VEML7700

/// Probes an I²C chip by what its driver knows: the identity registers where the datasheet has them (checked by
/// the driver's own identity check), otherwise a read of a register that only answers if a chip is there. Nothing
/// is written, so the chip keeps whatever a daemon set.
public enum ChipProbe {
    /// The chips curbctl can probe, by driver name.
    public static let chips = [
        "ADS1115", "ADXL345", "ADXL355", "AT24C02", "BME280", "INA219", "MCP23017", "PCA9685", "SPS30", "VEML7700",
    ]

    /// - Returns: what was found, for the check's table (`chip ID 0x60`).
    /// - Throws: the driver's `I2CError` (no answer, or a wrong identity with what was read).
    public static func probe(_ chip: String, _ device: any I2CDevice) async throws(I2CError) -> String {
        switch chip {
        case "BME280":
            try await BME280.checkIdentity(device)
            return "chip ID \(hex(BME280.chipID))"
        case "ADXL355":
            let revision = try await ADXL355.checkIdentity(device)
            return "PARTID \(hex(ADXL355.partID)), revision \(hex(revision))"
        case "ADXL345":
            try await ADXL345.checkIdentity(device)
            return "DEVID \(hex(ADXL345.deviceID))"
        case "VEML7700":
            try await VEML7700(device: device).checkIdentity()
            return "ID code \(hex(VEML7700.deviceIDCode))"
        case "SPS30":
            _ = try await SPS30(device: device)
            return "product type \(SPS30.productType)"
        // No identity register: an answered read of a register every part has.
        case "INA219":
            let value = try await device.readWord(register: INA219.Register.configuration.rawValue).byteSwapped
            return "answers (no ID register; configuration \(hex16(value)))"
        case "ADS1115":
            let value = try await ADS1115(device: device).readRegister(.config)
            return "answers (no ID register; config \(hex16(value)))"
        case "MCP23017":
            let value = try await MCP23017(device: device).readRegister(.iodir, port: .a)
            return "answers (no ID register; IODIRA \(hex(value)))"
        case "PCA9685":
            let value = try await device.readByte(register: PCA9685.Register.mode1)
            return "answers (no ID register; MODE1 \(hex(value)))"
        case "AT24C02":
            _ = try await AT24C02(device: device).read(from: 0, count: 1)
            return "answers (EEPROM, no ID register)"
        default:
            throw I2CError(
                .invalidArgument, bus: device.bus, address: device.address, operation: "probe",
                detail: "curbctl has no probe for chip \(chip) (known: \(chips.joined(separator: ", ")))")
        }
    }

    static func hex16(_ value: UInt16) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return "0x" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
