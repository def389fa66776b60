import Foundation
import RigProtocol
import Testing

/// `RigCodec` writes and reads flat messages without the Foundation coders; the Foundation coders stay the definition
/// of the format, so every line here must come out byte for byte as `JSONEncoder` writes it and read as `JSONDecoder`
/// reads it (or fail as it fails).
@Suite("Rig codec: the direct path matches the Foundation coders")
struct RigCodecTests {
    static func foundationEncode(_ message: RigMessage) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(message)) + [0x0A]
    }

    static let messages: [RigMessage] = {
        var transfer = RigMessage(id: 2460, op: "i2c.write-read")
        transfer.bus = "sim-i2c-0"
        transfer.address = 72
        transfer.bytes = [1]
        transfer.count = 2
        var answer = RigMessage.success(2460)
        answer.bytes = [195, 227]
        var edge = RigMessage()
        edge.event = "gpio.edge"
        edge.handle = 3
        edge.kind = "falling"
        edge.timestampNs = UInt64.max
        var request = RigMessage(id: Int.min, op: "gpio.request")
        request.chip = "sim-gpio0"
        request.offset = UInt32.max
        request.direction = "input"
        request.activeLow = true
        request.bias = "pull-up"
        request.drive = "open-drain"
        request.edges = "both"
        request.debounceMs = 0.1
        request.consumer = "a/b: c"
        request.value = false
        request.high = true
        request.line = "walkButton"
        var quantities = RigMessage(id: 9, op: "model.set")
        quantities.name = "ev"
        quantities.quantity = "state"
        quantities.number = 1e-5
        quantities.fault = "nack"
        quantities.endpoint = "tcp:127.0.0.1:40123"
        quantities.board = "sim"
        var failure = RigMessage.failure(4, code: "invalid-request", #"bad "quote" \ and é"#)
        failure.error = "line\nbreak\u{1}"
        var nested = RigMessage.success(1)
        nested.chips = [.init(name: "sim-gpio0", lines: 32)]
        nested.buses = ["sim-i2c-0"]
        nested.numbers = ["b": 1, "a_b": 2.5]
        var numbers: [RigMessage] = [12, 1.5, -0.0, 1e20, 2.5e-7, 123_456_789_012_345_680, .infinity, .nan].map {
            var message = RigMessage(id: 5, op: "chip.set")
            message.number = $0
            return message
        }
        numbers.append(RigMessage())
        var emptyBytes = RigMessage.success(3)
        emptyBytes.bytes = []
        numbers.append(emptyBytes)
        return [transfer, answer, edge, request, quantities, failure, nested, .failure(nil, code: "busy", "")]
            + numbers
    }()

    @Test("encoding writes the bytes JSONEncoder writes", arguments: messages.indices)
    func encoding(index: Int) throws {
        let message = Self.messages[index]
        let expected =
            (try? Self.foundationEncode(message)) ?? Array(#"{"ok":false,"code":"internal"}"#.utf8) + [0x0A]
        #expect(
            String(decoding: RigCodec.encode(message), as: UTF8.self) == String(decoding: expected, as: UTF8.self))
    }

    @Test("decoding what JSONEncoder wrote gives the message back", arguments: messages.indices)
    func roundTrip(index: Int) throws {
        let message = Self.messages[index]
        guard let line = try? Self.foundationEncode(message) else { return }
        let decoded = try RigCodec.decode(Array(line.dropLast()))
        let reference = try JSONDecoder().decode(RigMessage.self, from: Data(line.dropLast()))
        #expect(decoded == reference)
    }

    /// Lines typed by hand or sent by other clients: spaces, escapes, nulls, repeated or unknown keys, numbers where
    /// an integer is expected, values out of range. Each reads as JSONDecoder reads it, or fails where it fails.
    @Test(
        "decoding reads what JSONDecoder reads and refuses what it refuses",
        arguments: [
            #"{}"#, #"{"id":1,"op":"hello"}"#, #"{ "id": 1, "op": "hello" }"#, #"{"id":null,"op":"hello"}"#,
            #"{"id":1,"id":2}"#, #"{"id":1,"extra":{"a":[1,2]}}"#, #"{"id":1.0}"#, #"{"id":1e2}"#, #"{"id":-0}"#,
            #"{"id":01}"#, #"{"id":"1"}"#, #"{"id":99999999999999999999}"#, #"{"bytes":[1,256]}"#,
            #"{"bytes":[1,-1]}"#, #"{"bytes":[]}"#, #"{"bytes":[0,255]}"#, #"{"offset":-1}"#,
            #"{"timestamp_ns":18446744073709551615}"#, #"{"error":"a\"b"}"#, #"{"error":"\u00e9"}"#,
            #"{"error":"é"}"#, #"{"ok":true,"value":false,"high":null}"#, #"{"ok":1}"#, #"{"number":-1.5e-3}"#,
            #"{"number":1e400}"#, #"{"number":.5}"#, #"{"number":1.}"#, #"{"debounce_ms":60000}"#,
            #"{"id":1}x"#, #"{"id":1,}"#, #"{"id":1"#, #"["id"]"#, "", #"{"numbers":{"a":1}}"#,
            #"{"chips":[{"name":"c","lines":2}],"id":1}"#, #"{"op":"a","op":"b"}"#, #"{"id":-9223372036854775808}"#,
        ])
    func decoding(line: String) throws {
        let reference = try? JSONDecoder().decode(RigMessage.self, from: Data(line.utf8))
        let decoded = try? RigCodec.decode(Array(line.utf8))
        #expect(decoded == reference)
    }
}
