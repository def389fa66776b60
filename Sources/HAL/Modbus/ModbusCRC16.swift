/// The Modbus RTU frame check: CRC-16 with polynomial 0xA001 (reflected 0x8005), initial value 0xFFFF, sent low byte
/// first (Modbus over Serial Line V1.02, 2.5.1.2 and 6.2.2).
public enum ModbusCRC16 {
    private static let table: [UInt16] = (0..<256).map { index in
        var crc = UInt16(index)
        for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xA001 : crc >> 1 }
        return crc
    }

    public static func checksum(_ bytes: some Sequence<UInt8>) -> UInt16 {
        var crc: UInt16 = 0xFFFF
        for byte in bytes {
            crc = (crc >> 8) ^ table[Int((crc ^ UInt16(byte)) & 0xFF)]
        }
        return crc
    }

    /// `bytes` followed by their CRC, low byte first.
    public static func framed(_ bytes: [UInt8]) -> [UInt8] {
        let crc = checksum(bytes)
        return bytes + [UInt8(truncatingIfNeeded: crc), UInt8(crc >> 8)]
    }

    /// Whether a whole RTU frame (ending in its CRC) checks out.
    public static func isValid(frame: some BidirectionalCollection<UInt8>) -> Bool {
        guard frame.count >= 4 else { return false }
        let body = frame.dropLast(2)
        let crc = checksum(body)
        let sent = frame.suffix(2)
        return sent.first == UInt8(truncatingIfNeeded: crc) && sent.last == UInt8(crc >> 8)
    }
}
