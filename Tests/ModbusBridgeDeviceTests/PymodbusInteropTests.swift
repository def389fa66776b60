import AgentRuntime
import CurbsideTestKit
import Foundation
import HAL
import HALLinux
import ModbusBridgeDevice
import ModbusBridgeLogic
import Testing

/// modbusd's decoding against pymodbus, an independent implementation whose own `BinaryPayloadBuilder` wrote every
/// data type in every word and byte order into its registers; over TCP and over RTU on a socat pty pair.
@Suite("modbusd device vs pymodbus", .serialized)
struct PymodbusInteropTests {
    struct Case {
        var kind: String
        var type: ModbusDataType
        var value: EncodedPeer.EncodedValue
        var expected: JSONValue
    }

    static let cases = [
        Case(kind: "u16", type: .u16, value: .integer(48_879), expected: .number(48_879)),
        Case(kind: "i16", type: .i16, value: .integer(-12_345), expected: .number(-12_345)),
        Case(kind: "u32", type: .u32, value: .unsigned(3_735_928_559), expected: .number(3_735_928_559)),
        Case(kind: "i32", type: .i32, value: .integer(-123_456_789), expected: .number(-123_456_789)),
        // Beyond 2^53 a JSON number would lose digits: published as a decimal string.
        Case(
            kind: "u64", type: .u64, value: .unsigned(0xFEDC_BA98_7654_3210),
            expected: .string("18364758544493064720")),
        Case(
            kind: "i64", type: .i64, value: .integer(-1_234_567_890_123_456_789),
            expected: .string("-1234567890123456789")),
        Case(kind: "f32", type: .f32, value: .double(230.25), expected: .number(230.25)),
        Case(kind: "f64", type: .f64, value: .double(3.141592653589793), expected: .number(3.141592653589793)),
        Case(kind: "string", type: .string, value: .text("SDM630-M"), expected: .string("SDM630-M")),
        Case(
            kind: "bits16", type: .bitfield, value: .integer(0x8021),
            expected: .object(["b0": .bool(true), "b1": .bool(false), "b5": .bool(true), "b15": .bool(true)])),
    ]

    static let orders: [(word: String, byte: String)] = [
        ("big", "big"), ("little", "big"), ("big", "little"), ("little", "little"),
    ]

    /// The peer's registers and the map that describes them, point by point.
    static func layout() -> (spec: EncodedPeer.Spec, map: String, expected: [String: JSONValue]) {
        var spec = EncodedPeer.Spec()
        var map = """
            max_gap_bits: 8
            groups:
              all: {period_ms: 1000, heartbeat_s: 60}
            points:

            """
        var expected: [String: JSONValue] = [:]
        var address = 0
        for item in cases {
            for order in orders {
                // pymodbus's add_string packs the text as it is, whatever the byte order.
                if item.type == .string, order.byte == "little" { continue }
                let name = "\(item.kind)_\(order.word)_\(order.byte)"
                spec.holding.append(
                    .init(
                        address: address, kind: item.kind, value: item.value, byteorder: order.byte,
                        wordorder: order.word))
                var extra = ""
                if item.type == .string { extra = ", length: 4" }
                if item.type == .bitfield { extra = ", bits: {b0: 0, b1: 1, b5: 5, b15: 15}" }
                map +=
                    "  - {name: \(name), register: holding, address: \(address), type: \(item.type.rawValue), "
                    + "word_order: \(order.word), byte_order: \(order.byte), group: all\(extra)}\n"
                expected[name] = item.expected
                address += item.type.registerCount(length: item.type == .string ? 4 : 1)
            }
        }
        spec.input.append(.init(address: 3, kind: "f32", value: .double(-7.5), byteorder: "big", wordorder: "big"))
        map += "  - {name: input_f32, register: input, address: 3, type: f32, unit: V, group: all}\n"
        expected["input_f32"] = .number(-7.5)
        spec.coils = [true, false, true]
        spec.discrete = [false, true]
        map += "  - {name: coil0, register: coil, address: 0, group: all}\n"
        map += "  - {name: coil2, register: coil, address: 2, group: all}\n"
        map += "  - {name: discrete1, register: discrete, address: 1, group: all}\n"
        expected["coil0"] = .bool(true)
        expected["coil2"] = .bool(true)
        expected["discrete1"] = .bool(true)
        return (spec, map, expected)
    }

    static func device(
        _ map: RegisterMap, _ client: any ModbusClient, _ sink: RecordingSink, unit: ModbusUnitID = 1,
        timeout: Duration = .seconds(2), settings: ModbusBridgeSettings = ModbusBridgeSettings(), name: String = "dut"
    ) -> (PolledDevice, AsyncStream<PolledDevice.StatusChange>) {
        let (changes, continuation) = AsyncStream.makeStream(of: PolledDevice.StatusChange.self)
        let start = ContinuousClock.now
        return (
            PolledDevice(
                name: name, map: map, client: client, unit: unit, timeout: timeout, settings: settings, sink: sink,
                now: { ContinuousClock.now - start }, transitions: continuation),
            changes
        )
    }

    /// Polls the whole layout once and compares every published value with what pymodbus encoded.
    static func check(_ client: any ModbusClient) async throws {
        let (spec, yaml, expected) = layout()
        #expect(spec.holding.count == 38)
        let map = try RegisterMap.parse(yaml, file: "interop.yaml")
        let sink = RecordingSink()
        let (device, _) = device(map, client, sink)
        // 92 holding registers in one request, then one each for the input register, the inputs and the coils (0 and 2,
        // joined across the unused coil 1 by max_gap_bits).
        let plan = try #require(await device.plans["all"])
        #expect(plan.map(\.register) == [.coil, .discrete, .holding, .input])
        #expect(plan.first { $0.register == .holding }?.count == 92)
        await device.poll(groupNamed: "all")
        let status = await device.status
        let published = try #require(await sink.last("dut/all"), "\(status)")
        let values = try #require(published["values"])
        for (name, value) in expected.sorted(by: { $0.key < $1.key }) {
            #expect(values[name] == value, "\(name)")
        }
        #expect(published["units"]?["input_f32"] == .string("V"))
        #expect(await device.errors == 0)
    }

    @Test("TCP: every data type in every word and byte order, as pymodbus's encoders wrote them")
    func tcp() async throws {
        let (spec, _, _) = Self.layout()
        let peer = try EncodedPeer(spec, ["tcp", "0"])
        defer { peer.stop() }
        let client = try LinuxModbusClient.tcp(
            ModbusTCPConfiguration(host: "127.0.0.1", port: try await peer.tcpPort()))
        try await peer.waitUntilAnswering(client)
        try await Self.check(client)
        await client.close()
    }

    @Test("RTU on a socat pty pair: the same layout through pymodbus's serial server")
    func rtu() async throws {
        let line = try await PseudoTerminalPair()
        let (spec, _, _) = Self.layout()
        // pyserial cannot set parity on a pty (tcsetattr EINVAL), so this line runs 8N1.
        let peer = try EncodedPeer(spec, ["rtu", line.second, "19200"])
        defer { peer.stop() }
        let client = try LinuxModbusClient.rtu(
            ModbusRTUConfiguration(device: line.first, baudRate: 19_200, parity: .none))
        try await peer.waitUntilAnswering(client)
        try await Self.check(client)
        await client.close()
        await line.close()
    }
}
