/// A register-level model of an I²C chip, attached to a simulated bus at an address.
///
/// Lives in the HAL (not `HALSim`) so that each driver folder can ship its simulated chip while importing the HAL
/// only. The bus calls these in transfer order: a `writeRead` is `received(_:)` then `transmit(count:)` with no
/// `stop()` between (repeated start); a plain transfer is followed by `stop()`.
public protocol SimulatedI2CChip: AnyObject, Sendable {
    /// Bytes the controller wrote in one message. Throwing `.nack` models a NACK on a data byte.
    func received(_ bytes: [UInt8]) throws(SimulatedI2CFault)
    /// Bytes the chip sends for a read message of `count` bytes.
    func transmit(count: Int) throws(SimulatedI2CFault) -> [UInt8]
    /// A STOP condition ended the transfer (chips that latch on STOP, e.g. EEPROM write cycles, react here).
    func stop()
}

extension SimulatedI2CChip {
    public func stop() {}
}

/// How a simulated chip refuses a transfer.
public enum SimulatedI2CFault: Error, Sendable, Hashable {
    /// The chip did not acknowledge (busy EEPROM write cycle, address with nothing behind it).
    case nack
    /// The bus failed (stuck SDA, arbitration lost), as a fixture injects.
    case busError
}
