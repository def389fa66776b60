import HAL
import Testing

@Suite("Modbus PDU, CRC and word order")
struct ModbusCodecTests {
    @Test("CRC-16 matches the specification's examples, low byte first")
    func crc() {
        // Read holding registers 0x006B+3 from unit 0x11: the classic example frame 11 03 00 6B 00 03 76 87.
        #expect(
            ModbusCRC16.framed([0x11, 0x03, 0x00, 0x6B, 0x00, 0x03]) == [
                0x11, 0x03, 0x00, 0x6B, 0x00, 0x03, 0x76, 0x87,
            ])
        #expect(ModbusCRC16.framed([0x01, 0x03, 0x00, 0x00, 0x00, 0x01]).suffix(2) == [0x84, 0x0A])
        #expect(ModbusCRC16.isValid(frame: [0x11, 0x03, 0x00, 0x6B, 0x00, 0x03, 0x76, 0x87]))
        #expect(!ModbusCRC16.isValid(frame: [0x11, 0x03, 0x00, 0x6B, 0x00, 0x03, 0x87, 0x76]))
        #expect(!ModbusCRC16.isValid(frame: [0x11, 0x03]))
    }

    @Test("request PDUs encode as the specification's examples and decode back")
    func requests() throws {
        // Modbus Application Protocol V1.1b3, 6.3 (read holding 108…110), 6.6 (write register 1 = 3),
        // 6.11 (write coils 20…29 = CD 01), 6.12 (write registers 1…2 = 000A 0102).
        let examples: [(ModbusRequest, [UInt8])] = [
            (.readHoldingRegisters(address: 107, count: 3), [0x03, 0x00, 0x6B, 0x00, 0x03]),
            (.writeSingleRegister(address: 1, value: 3), [0x06, 0x00, 0x01, 0x00, 0x03]),
            (.writeSingleCoil(address: 172, value: true), [0x05, 0x00, 0xAC, 0xFF, 0x00]),
            (
                .writeMultipleCoils(
                    address: 19, values: [true, false, true, true, false, false, true, true, true, false]),
                [0x0F, 0x00, 0x13, 0x00, 0x0A, 0x02, 0xCD, 0x01]
            ),
            (
                .writeMultipleRegisters(address: 1, values: [0x000A, 0x0102]),
                [0x10, 0x00, 0x01, 0x00, 0x02, 0x04, 0x00, 0x0A, 0x01, 0x02]
            ),
        ]
        for (request, bytes) in examples {
            #expect(request.pdu == bytes, "\(request)")
            #expect(try ModbusRequest(pdu: bytes[...]) == request)
        }
    }

    @Test("responses: packed coils, registers, echoes and exceptions")
    func responses() {
        // 6.1: coils 20…38 read CD 6B 05.
        let coils: [Bool] = [
            true, false, true, true, false, false, true, true, true, true, false, true, false, true, true, false,
            true, false, true,
        ]
        #expect(
            ModbusRequest.readCoils(address: 19, count: 19).responsePDU(for: .bits(coils))
                == [0x01, 0x03, 0xCD, 0x6B, 0x05])
        #expect(
            ModbusRequest.readHoldingRegisters(address: 107, count: 3).responsePDU(for: .registers([0x022B, 0, 0x64]))
                == [0x03, 0x06, 0x02, 0x2B, 0x00, 0x00, 0x00, 0x64])
        #expect(
            ModbusRequest.writeSingleRegister(address: 1, value: 3).responsePDU(for: .done)
                == [0x06, 0x00, 0x01, 0x00, 0x03])
        #expect(
            ModbusRequest.writeMultipleRegisters(address: 1, values: [1, 2]).responsePDU(for: .done)
                == [0x10, 0x00, 0x01, 0x00, 0x02])
        #expect(
            ModbusRequest.readInputRegisters(address: 8, count: 1).responsePDU(for: .exception(.illegalDataAddress))
                == [0x84, 0x02])
        // A reply of the wrong kind is still valid Modbus: a server device failure.
        #expect(
            ModbusRequest.readCoils(address: 0, count: 2).responsePDU(for: .registers([1, 2])) == [0x81, 0x04])
        #expect(ModbusRequest.readCoils(address: 0, count: 2).responsePDU(for: .silence) == nil)
    }

    @Test("malformed requests decode to the exception a server owes")
    func malformed() {
        func exception(_ bytes: [UInt8]) -> ModbusExceptionCode? {
            do throws(ModbusExceptionCode) {
                _ = try ModbusRequest(pdu: bytes[...])
                return nil
            } catch {
                return error
            }
        }
        #expect(exception([0x2B, 0x0E, 0x01, 0x00]) == .illegalFunction)
        #expect(exception([]) == .illegalFunction)
        #expect(exception([0x03, 0x00, 0x00, 0x00, 0x7E]) == .illegalDataValue)  // 126 registers
        #expect(exception([0x03, 0x00, 0x00, 0x00, 0x00]) == .illegalDataValue)  // zero registers
        #expect(exception([0x03, 0xFF, 0xFF, 0x00, 0x02]) == .illegalDataAddress)  // past 0xFFFF
        #expect(exception([0x05, 0x00, 0x01, 0x12, 0x34]) == .illegalDataValue)  // coil value not FF00/0000
        #expect(exception([0x10, 0x00, 0x01, 0x00, 0x02, 0x03, 0x00, 0x0A, 0x01]) == .illegalDataValue)  // byte count
        #expect(exception([0x03, 0x00, 0x00]) == .illegalDataValue)  // truncated
    }

    @Test("32-bit values in all four word orders")
    func wordOrders() {
        // 230.5 = 0x43668000.
        #expect(ModbusWordOrder.bigEndian.float32(0x4366, 0x8000) == 230.5)
        #expect(ModbusWordOrder.wordSwapped.float32(0x8000, 0x4366) == 230.5)
        #expect(ModbusWordOrder.byteSwapped.float32(0x6643, 0x0080) == 230.5)
        #expect(ModbusWordOrder.littleEndian.float32(0x0080, 0x6643) == 230.5)
        for order in ModbusWordOrder.allCases {
            let registers = order.registers(Float(-1.25))
            #expect(order.float32(registers[0], registers[1]) == -1.25, "\(order)")
            let raw = order.registers(UInt32(0xAABB_CCDD))
            #expect(order.uint32(raw[0], raw[1]) == 0xAABB_CCDD, "\(order)")
        }
        #expect(ModbusWordOrder.bigEndian.int32(0xFFFF, 0xFFFE) == -2)
        #expect(ModbusWordOrder.bigEndian.float32s([0x4366, 0x8000, 0xBFA0, 0x0000]) == [230.5, -1.25])
    }
}
