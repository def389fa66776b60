public import FoundationEssentials
import HAL

/// The capture file format (`.vcap`), little-endian:
///
/// | Offset    | Size        | Content                                                                     |
/// |-----------|-------------|-----------------------------------------------------------------------------|
/// | 0         | 4           | magic `VCAP`                                                                |
/// | 4         | 4           | UInt32 length H of the header                                               |
/// | 8         | H           | UTF-8 JSON header: `format` (1), `start_s`, `odr_hz`, `trigger_index`, `reason`, `sample_count` |
/// | 8 + H     | 12 × count  | samples, each x, y, z as IEEE 754 Float32, g                                |
///
/// Binary samples keep a 7 s capture at 1 kHz at 84 kB (JSON numbers would triple it); the header stays readable.
extension Capture {
    private static let magic = Data("VCAP".utf8)

    private struct Header: Codable {
        var format: Int
        var startSeconds: Double
        var outputDataRateHz: Double
        var triggerIndex: Int
        var reason: String
        var sampleCount: Int

        enum CodingKeys: String, CodingKey {
            case format
            case startSeconds = "start_s"
            case outputDataRateHz = "odr_hz"
            case triggerIndex = "trigger_index"
            case reason
            case sampleCount = "sample_count"
        }
    }

    /// At least `encoded().count`, without encoding: magic and length, a header of a few short fields (well under
    /// 512 bytes), 12 bytes a sample.
    public var encodedSize: Int { 8 + 512 + 12 * sampleCount }

    /// The capture in the `.vcap` format.
    public func encoded() -> Data {
        let header = Header(
            format: 1, startSeconds: start.secondsSinceEpoch, outputDataRateHz: outputDataRateHz,
            triggerIndex: triggerIndex, reason: reason, sampleCount: sampleCount)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        // Encoding a struct of numbers and a string cannot fail.
        let headerData = (try? encoder.encode(header)) ?? Data("{}".utf8)
        var data = Self.magic
        data.reserveCapacity(8 + headerData.count + 12 * sampleCount)
        Self.appendLittleEndian(UInt32(headerData.count), to: &data)
        data.append(headerData)
        for index in 0..<sampleCount {
            for value in [samples.x[index], samples.y[index], samples.z[index]] {
                Self.appendLittleEndian(value.bitPattern, to: &data)
            }
        }
        return data
    }

    /// Reads a capture in the `.vcap` format; `what` names it in errors.
    public init(decoding data: Data, what: String = "capture") throws(CaptureStoreError) {
        let bytes = [UInt8](data)
        func corrupt(_ detail: String) -> CaptureStoreError { CaptureStoreError(.corrupt, path: what, detail: detail) }
        guard bytes.count >= 8, Data(bytes[0..<4]) == Self.magic else { throw corrupt("not a VCAP file") }
        let headerLength = Int(Self.readUInt32(bytes, at: 4))
        guard bytes.count >= 8 + headerLength else { throw corrupt("header truncated") }
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: Data(bytes[8..<(8 + headerLength)]))
        } catch {
            throw corrupt("header: \(error)")
        }
        guard header.format == 1 else { throw corrupt("format \(header.format), expected 1") }
        let count = header.sampleCount
        guard count >= 0, header.triggerIndex >= 0, header.triggerIndex <= count, header.outputDataRateHz > 0 else {
            throw corrupt("inconsistent header")
        }
        guard bytes.count == 8 + headerLength + 12 * count else {
            throw corrupt("expected \(12 * count) sample bytes, found \(bytes.count - 8 - headerLength)")
        }
        var axes = Triaxial<[Float]>(x: [], y: [], z: [])
        for axis in Axis.allCases { axes[axis].reserveCapacity(count) }
        var offset = 8 + headerLength
        for _ in 0..<count {
            for axis in Axis.allCases {
                axes[axis].append(Float(bitPattern: Self.readUInt32(bytes, at: offset)))
                offset += 4
            }
        }
        self.init(
            start: Timestamp(secondsSinceEpoch: header.startSeconds), outputDataRateHz: header.outputDataRateHz,
            triggerIndex: header.triggerIndex, reason: header.reason, samples: axes)
    }

    private static func appendLittleEndian(_ value: UInt32, to data: inout Data) {
        withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
    }

    private static func readUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) }
    }
}
