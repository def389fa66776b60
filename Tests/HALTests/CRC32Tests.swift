import HAL
import Testing

@Suite("CRC-32 (IEEE 802.3)")
struct CRC32Tests {
    @Test("the catalogue check value: \"123456789\" gives 0xCBF43926")
    func checkValue() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
    }

    @Test("zlib's values: nothing gives 0, the quick brown fox 0x414FA339")
    func zlibValues() {
        #expect(CRC32.checksum([UInt8]()) == 0)
        #expect(CRC32.checksum(Array("The quick brown fox jumps over the lazy dog".utf8)) == 0x414F_A339)
    }

    @Test("one flipped bit changes the checksum")
    func detectsAFlippedBit() {
        var bytes = Array("an outbox record".utf8)
        let before = CRC32.checksum(bytes)
        bytes[3] ^= 0x10
        #expect(CRC32.checksum(bytes) != before)
    }
}
