import Glibc
import HAL

/// Reads the outbox log's `[length u32 LE][crc32 u32 LE][body]` frames in fixed-size chunks, so start-up after a long
/// outage needs memory for one chunk and one record, not for the whole file.
///
/// A frame that fails its CRC (an SD-card bit flip) is skipped: the reader moves on byte by byte until a valid frame
/// starts again and counts the stretch it skipped as one corrupt record. Bodies are base64 inside JSON, so their
/// bytes read as lengths over 500 MB and are rejected at once; resynchronising costs little. What cannot be resolved
/// by EOF is a record torn by a crash during its append: it is left out of `validEnd` and not counted, unless its
/// declared length fits the file exactly (a complete record whose CRC failed).
struct OutboxLogReader {
    static let headerBytes = 8
    /// JSON records are at least `{}`; this also keeps zero-filled stretches (length 0, CRC 0) from passing as frames.
    static let minimumBodyBytes = 2

    private let fd: Int32
    private let file: String
    private let chunkBytes: Int
    private let maxBodyBytes: Int
    private var buffer: [UInt8] = []
    /// Index in `buffer` of the next unread byte.
    private var head = 0
    /// File offset of `buffer[0]`.
    private var bufferOffset = 0
    private var atEOF = false

    /// File offset just after the last valid frame (a torn tail starts here).
    private(set) var validEnd = 0
    /// Stretches skipped between valid frames, each counted as one lost record.
    private(set) var corruptRecords = 0
    /// The largest the read buffer's storage became.
    private(set) var peakBufferBytes = 0

    init(fd: Int32, file: String, chunkBytes: Int, maxBodyBytes: Int) {
        self.fd = fd
        self.file = file
        self.chunkBytes = chunkBytes
        self.maxBodyBytes = maxBodyBytes
    }

    /// The next valid frame's body, or nil at the end of the file.
    mutating func next() throws(FileOutbox.Failure) -> ArraySlice<UInt8>? {
        var skipStart: Int?
        var skipDeclaredEnd = 0
        while try fill(Self.headerBytes) {
            let length = Int(word(at: head))
            let crc = word(at: head + 4)
            let plausible = (Self.minimumBodyBytes...maxBodyBytes).contains(length)
            if plausible, try fill(Self.headerBytes + length) {
                let body = buffer[(head + Self.headerBytes)..<(head + Self.headerBytes + length)]
                if CRC32.checksum(body) == crc {
                    if skipStart != nil { corruptRecords += 1 }
                    head += Self.headerBytes + length
                    validEnd = bufferOffset + head
                    return body
                }
            }
            if skipStart == nil {
                skipStart = bufferOffset + head
                skipDeclaredEnd = plausible ? bufferOffset + head + Self.headerBytes + length : -1
            }
            head += 1
        }
        if skipStart != nil, skipDeclaredEnd == bufferOffset + buffer.count { corruptRecords += 1 }
        return nil
    }

    private func word(at index: Int) -> UInt32 {
        UInt32(buffer[index]) | UInt32(buffer[index + 1]) << 8 | UInt32(buffer[index + 2]) << 16
            | UInt32(buffer[index + 3]) << 24
    }

    /// Makes `count` bytes from `head` available; false when the file ends first.
    private mutating func fill(_ count: Int) throws(FileOutbox.Failure) -> Bool {
        while buffer.count - head < count {
            if atEOF { return false }
            if head > 0 {
                buffer.removeFirst(head)
                bufferOffset += head
                head = 0
            }
            // One chunk at a time, even for a long record: a length field garbled into something large but plausible
            // must not cost an allocation of that size when the file ends long before. The chunk is read into
            // uninitialized storage: zero-filling 64 KiB per read first was most of a small file's start-up (and made
            // the outbox fuzz target run about one input a second).
            var failure: Int32 = 0
            let chunk = [UInt8](unsafeUninitializedCapacity: chunkBytes) { storage, initialized in
                initialized = 0
                while true {
                    let got = read(fd, storage.baseAddress!, chunkBytes)
                    if got >= 0 {
                        initialized = got
                        return
                    }
                    if errno != EINTR {
                        failure = errno
                        return
                    }
                }
            }
            guard failure == 0 else {
                throw FileOutbox.Failure(
                    file: file, operation: "read at offset \(bufferOffset + buffer.count)", errno: failure)
            }
            if chunk.isEmpty { atEOF = true }
            peakBufferBytes = max(peakBufferBytes, buffer.capacity + chunkBytes)
            buffer.append(contentsOf: chunk)
            peakBufferBytes = max(peakBufferBytes, buffer.capacity)
        }
        return true
    }
}
