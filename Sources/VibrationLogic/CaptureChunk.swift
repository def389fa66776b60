public import FoundationEssentials
import HAL

/// One numbered piece of an encoded capture, for payloads too large for one MQTT message. Every chunk carries the
/// CRC-32 of the whole encoding, so the receiver can check the reassembled bytes.
public struct CaptureChunk: Hashable, Sendable, Codable {
    /// The capture's ``Capture/id``.
    public var captureID: String
    /// Position, 0 ..< ``count``.
    public var index: Int
    /// Number of chunks.
    public var count: Int
    /// Length of the whole encoding, bytes.
    public var totalBytes: Int
    /// CRC-32 (``CRC32``) of the whole encoding.
    public var crc32: UInt32
    /// This chunk's bytes.
    public var payload: Data

    /// A chunk as received (a consumer rebuilding chunks from `telemetry/capture`).
    public init(captureID: String, index: Int, count: Int, totalBytes: Int, crc32: UInt32, payload: Data) {
        self.captureID = captureID
        self.index = index
        self.count = count
        self.totalBytes = totalBytes
        self.crc32 = crc32
        self.payload = payload
    }

    /// Splits `data` into chunks of at most `size` bytes (at least one chunk, even for empty data).
    public static func split(_ data: Data, captureID: String, size: Int) -> [CaptureChunk] {
        precondition(size > 0, "chunk size must be positive")
        let checksum = CRC32.checksum(data)
        let count = max(1, (data.count + size - 1) / size)
        return (0..<count).map { index in
            let lower = data.startIndex + index * size
            let upper = min(lower + size, data.endIndex)
            return CaptureChunk(
                captureID: captureID, index: index, count: count, totalBytes: data.count, crc32: checksum,
                payload: Data(data[lower..<upper]))
        }
    }

    /// Puts chunks (in any order) back together and checks the length and CRC-32; throws when one is missing,
    /// repeated, from another capture, or the bytes do not match the checksum.
    public static func reassemble(_ chunks: [CaptureChunk]) throws(CaptureChunkError) -> Data {
        guard let first = chunks.first else { throw CaptureChunkError(.missingChunk, detail: "no chunks") }
        var ordered = [CaptureChunk?](repeating: nil, count: first.count)
        for chunk in chunks {
            guard chunk.captureID == first.captureID, chunk.count == first.count, chunk.crc32 == first.crc32,
                chunk.totalBytes == first.totalBytes, (0..<first.count).contains(chunk.index)
            else {
                throw CaptureChunkError(
                    .inconsistent, detail: "chunk \(chunk.index) of \(chunk.captureID) does not fit")
            }
            guard ordered[chunk.index] == nil else {
                throw CaptureChunkError(.inconsistent, detail: "chunk \(chunk.index) twice")
            }
            ordered[chunk.index] = chunk
        }
        var data = Data()
        data.reserveCapacity(first.totalBytes)
        for (index, chunk) in ordered.enumerated() {
            guard let chunk else { throw CaptureChunkError(.missingChunk, detail: "chunk \(index) of \(first.count)") }
            data.append(chunk.payload)
        }
        guard data.count == first.totalBytes else {
            throw CaptureChunkError(.checksumMismatch, detail: "\(data.count) bytes, expected \(first.totalBytes)")
        }
        let checksum = CRC32.checksum(data)
        guard checksum == first.crc32 else {
            throw CaptureChunkError(
                .checksumMismatch,
                detail: "CRC-32 \(String(checksum, radix: 16)), expected \(String(first.crc32, radix: 16))")
        }
        return data
    }
}

/// Chunks that do not reassemble into the capture they claim to be.
public struct CaptureChunkError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong; more codes may be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        /// A chunk index never arrived.
        public static let missingChunk = Code(name: "missing chunk")
        /// Chunks disagree on capture, count, size or checksum, or an index repeats or is out of range.
        public static let inconsistent = Code(name: "inconsistent chunks")
        /// The reassembled bytes do not match the length or CRC-32.
        public static let checksumMismatch = Code(name: "checksum mismatch")
        /// The code's name, as printed in messages.
        public var description: String { name }
    }

    /// What went wrong.
    public var code: Code
    /// Which chunk or which figures.
    public var detail: String

    /// An error of `code` with `detail`.
    public init(_ code: Code, detail: String) {
        self.code = code
        self.detail = detail
    }

    /// `checksum mismatch: CRC-32 1a2b3c4d, expected 5e6f7a8b`.
    public var description: String { "\(code): \(detail)" }
}
