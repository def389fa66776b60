/// The rig's common lines — requests and responses with flat fields (I²C transfers, GPIO reads and writes, edge
/// events) — written and read without `JSONEncoder`/`JSONDecoder`, byte for byte as they would (sorted keys, no
/// spaces, a `Double` as its `description` less a trailing `.0`). A daemon's control loop makes hundreds of transfers
/// a second over the rig socket and the generic coders were a sixth of chargerd's CPU and a quarter of its rig's.
/// Anything else — nested values (`hello`, `get`), escapes, non-ASCII text, spaces, unknown or repeated keys, a number
/// that is not a plain integer where one is expected — returns nil and goes through the Foundation coders, which stay
/// the definition of the format.
extension RigCodec {
    /// `message` as a compact JSON object, or nil when it has a field this path leaves to `JSONEncoder`.
    static func compactEncode(_ message: RigMessage) -> [UInt8]? {
        guard message.chips == nil, message.buses == nil, message.devices == nil, message.modbus == nil,
            message.models == nil, message.numbers == nil
        else { return nil }
        var fields: [(key: StaticString, value: [UInt8])] = []
        fields.reserveCapacity(8)
        var writable = true
        func add(_ key: StaticString, _ value: [UInt8]?) { if let value { fields.append((key, value)) } }
        func add(_ key: StaticString, text: String?) {
            guard let text else { return }
            var out: [UInt8] = [0x22]
            for byte in text.utf8 {
                // Escapes and non-ASCII are left to JSONEncoder.
                guard byte >= 0x20, byte < 0x7F, byte != 0x22, byte != 0x5C else {
                    writable = false
                    return
                }
                out.append(byte)
            }
            out.append(0x22)
            fields.append((key, out))
        }
        func add(_ key: StaticString, number: Double?) {
            guard let number else { return }
            guard number.isFinite else {
                writable = false
                return
            }
            let written = number.description
            add(key, Array((written.hasSuffix(".0") ? String(written.dropLast(2)) : written).utf8))
        }
        func integer(_ value: (some BinaryInteger)?) -> [UInt8]? { value.map { Array(String($0).utf8) } }
        func flag(_ value: Bool?) -> [UInt8]? { value.map { Array(($0 ? "true" : "false").utf8) } }
        add("bias", text: message.bias)
        add("board", text: message.board)
        add("bus", text: message.bus)
        add("chip", text: message.chip)
        add("code", text: message.code)
        add("consumer", text: message.consumer)
        add("direction", text: message.direction)
        add("drive", text: message.drive)
        add("edges", text: message.edges)
        add("endpoint", text: message.endpoint)
        add("error", text: message.error)
        add("event", text: message.event)
        add("fault", text: message.fault)
        add("kind", text: message.kind)
        add("line", text: message.line)
        add("name", text: message.name)
        add("op", text: message.op)
        add("quantity", text: message.quantity)
        add("debounce_ms", number: message.debounceMs)
        add("number", number: message.number)
        add("active_low", flag(message.activeLow))
        add("ok", flag(message.ok))
        add("high", flag(message.high))
        add("value", flag(message.value))
        add("address", integer(message.address))
        add("count", integer(message.count))
        add("handle", integer(message.handle))
        add("id", integer(message.id))
        add("offset", integer(message.offset))
        add("timestamp_ns", integer(message.timestampNs))
        add("bytes", message.bytes.map { Array(("[" + $0.map(String.init).joined(separator: ",") + "]").utf8) })
        guard writable else { return nil }
        fields.sort { Self.precedes($0.key, $1.key) }
        var out: [UInt8] = [0x7B]
        for (index, field) in fields.enumerated() {
            if index > 0 { out.append(0x2C) }
            out.append(0x22)
            field.key.withUTF8Buffer { out.append(contentsOf: $0) }
            out.append(contentsOf: [0x22, 0x3A])
            out.append(contentsOf: field.value)
        }
        out.append(0x7D)
        return out
    }

    /// JSONEncoder's `.sortedKeys` order for these keys: byte order.
    private static func precedes(_ a: StaticString, _ b: StaticString) -> Bool {
        a.withUTF8Buffer { a in b.withUTF8Buffer { b in a.lexicographicallyPrecedes(b) } }
    }

    /// A compact flat JSON object as a message, or nil when it holds anything this path leaves to `JSONDecoder`.
    static func compactDecode(_ bytes: [UInt8]) -> RigMessage? {
        var reader = CompactReader(bytes: bytes)
        return reader.message()
    }
}

/// Reads one compact, flat JSON object of rig fields; nil at the first thing outside that subset.
private struct CompactReader {
    let bytes: [UInt8]
    var index = 0
    var seen: Set<[UInt8]> = []

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func message() -> RigMessage? {
        var message = RigMessage()
        guard take(0x7B) else { return nil }
        if take(0x7D) { return index == bytes.count ? message : nil }
        repeat {
            guard let key = rawString(), seen.insert(key).inserted, take(0x3A) else { return nil }
            if takeLiteral("null") {
                // decodeIfPresent reads null as absent, for every key it knows.
                guard Self.knownKeys.contains(key) else { return nil }
                continue
            }
            guard field(key, into: &message) else { return nil }
        } while take(0x2C)
        guard take(0x7D), index == bytes.count else { return nil }
        return message
    }

    private static let knownKeys: Set<[UInt8]> = Set(
        [
            "id", "op", "event", "ok", "error", "code", "chip", "line", "offset", "handle", "direction", "active_low",
            "bias", "drive", "edges", "debounce_ms", "consumer", "value", "high", "kind", "timestamp_ns", "bus",
            "address", "bytes", "count", "fault", "name", "quantity", "number", "endpoint", "board",
        ].map { Array($0.utf8) })

    private mutating func field(_ key: [UInt8], into message: inout RigMessage) -> Bool {
        switch String(decoding: key, as: UTF8.self) {
        case "id": return assign(integer(), to: &message.id)
        case "op": return assign(string(), to: &message.op)
        case "event": return assign(string(), to: &message.event)
        case "ok": return assign(flag(), to: &message.ok)
        case "error": return assign(string(), to: &message.error)
        case "code": return assign(string(), to: &message.code)
        case "chip": return assign(string(), to: &message.chip)
        case "line": return assign(string(), to: &message.line)
        case "offset": return assign(integer(), to: &message.offset)
        case "handle": return assign(integer(), to: &message.handle)
        case "direction": return assign(string(), to: &message.direction)
        case "active_low": return assign(flag(), to: &message.activeLow)
        case "bias": return assign(string(), to: &message.bias)
        case "drive": return assign(string(), to: &message.drive)
        case "edges": return assign(string(), to: &message.edges)
        case "debounce_ms": return assign(number(), to: &message.debounceMs)
        case "consumer": return assign(string(), to: &message.consumer)
        case "value": return assign(flag(), to: &message.value)
        case "high": return assign(flag(), to: &message.high)
        case "kind": return assign(string(), to: &message.kind)
        case "timestamp_ns": return assign(integer(), to: &message.timestampNs)
        case "bus": return assign(string(), to: &message.bus)
        case "address": return assign(integer(), to: &message.address)
        case "bytes": return assign(byteArray(), to: &message.bytes)
        case "count": return assign(integer(), to: &message.count)
        case "fault": return assign(string(), to: &message.fault)
        case "name": return assign(string(), to: &message.name)
        case "quantity": return assign(string(), to: &message.quantity)
        case "number": return assign(number(), to: &message.number)
        case "endpoint": return assign(string(), to: &message.endpoint)
        case "board": return assign(string(), to: &message.board)
        default: return false
        }
    }

    private func assign<T>(_ value: T?, to field: inout T?) -> Bool {
        guard let value else { return false }
        field = value
        return true
    }

    private mutating func take(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    private mutating func takeLiteral(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        let matches = literal.withUTF8Buffer { $0.elementsEqual(bytes[index..<index + count]) }
        if matches { index += count }
        return matches
    }

    /// A string of printable ASCII without escapes.
    private mutating func rawString() -> [UInt8]? {
        guard take(0x22) else { return nil }
        let start = index
        while index < bytes.count, bytes[index] != 0x22 {
            guard bytes[index] >= 0x20, bytes[index] < 0x7F, bytes[index] != 0x5C else { return nil }
            index += 1
        }
        guard index < bytes.count else { return nil }
        defer { index += 1 }
        return Array(bytes[start..<index])
    }

    private mutating func string() -> String? { rawString().map { String(decoding: $0, as: UTF8.self) } }

    private mutating func flag() -> Bool? {
        if takeLiteral("true") { return true }
        if takeLiteral("false") { return false }
        return nil
    }

    /// A JSON integer (no fraction or exponent) that fits `T`.
    private mutating func integer<T: FixedWidthInteger>() -> T? {
        let negative = take(0x2D)
        let start = index
        var value: T = 0
        while index < bytes.count, (0x30...0x39).contains(bytes[index]) {
            let digit = T(bytes[index] - 0x30)
            let (shifted, overflow) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) =
                negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
            guard !overflow, !overflow2 else { return nil }
            value = next
            index += 1
        }
        let digits = index - start
        // No digits, a leading zero, or a fraction or exponent next: JSONDecoder decides.
        guard digits > 0, digits == 1 || bytes[start] != 0x30 else { return nil }
        if index < bytes.count, [0x2E, 0x65, 0x45].contains(bytes[index]) { return nil }
        if negative, value == 0 { return nil }
        return value
    }

    /// A JSON number (RFC 8259 §6 grammar) as a Double.
    private mutating func number() -> Double? {
        let start = index
        _ = take(0x2D)
        let digitsStart = index
        skipDigits()
        guard index > digitsStart, index - digitsStart == 1 || bytes[digitsStart] != 0x30 else { return nil }
        if take(0x2E) {
            let fraction = index
            skipDigits()
            guard index > fraction else { return nil }
        }
        if take(0x65) || take(0x45) {
            if !take(0x2B) { _ = take(0x2D) }
            let exponent = index
            skipDigits()
            guard index > exponent else { return nil }
        }
        guard let value = Double(String(decoding: bytes[start..<index], as: UTF8.self)), value.isFinite else {
            return nil
        }
        return value
    }

    private mutating func skipDigits() {
        while index < bytes.count, (0x30...0x39).contains(bytes[index]) { index += 1 }
    }

    private mutating func byteArray() -> [UInt8]? {
        guard take(0x5B) else { return nil }
        var values: [UInt8] = []
        if take(0x5D) { return values }
        repeat {
            guard let value: UInt8 = integer() else { return nil }
            values.append(value)
        } while take(0x2C)
        return take(0x5D) ? values : nil
    }
}
