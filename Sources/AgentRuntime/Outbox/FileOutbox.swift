public import FoundationEssentials
import Glibc
import HAL

/// The durable outbox: events (and telemetry streams that ask for it) are written here before they are published,
/// and removed only after the broker's PUBACK. At-least-once; `seq` (per stream, durable) lets consumers drop
/// duplicates.
///
/// An append-only log instead of SQLite: one file of CRC-framed records (`entry`, `ack`, `drop`, `counters`),
/// each append `fsync`ed before `append` returns, so an event that was accepted survives a crash or power cut. A
/// crash can only tear the last record, which recovery detects by length/CRC and cuts off; a record corrupted in the
/// middle (a bit flip on the card) is skipped, counted as dropped `corrupt`, and the records after it are kept.
/// The file itself is bounded: whenever it grows past twice what the live entries take (plus a slack of at most
/// 1 MiB), the live ones are rewritten to a new file with `AtomicFile` (temp, fsync, rename, fsync folder), so
/// through an outage of any length it stays under about three times `maxBytes`. Start-up reads it in chunks. The
/// file is never wiped or recreated because of a restart or a configuration change.
public actor FileOutbox {
    /// Bounds that keep a long outage from filling the card; the oldest entries go first and are counted.
    public struct Limits: Sendable, Hashable {
        /// Bytes the live entries' records take in the file (payload, its base64 and JSON framing).
        public var maxBytes: Int
        public var maxAge: Duration
        public var maxEntries: Int
        public init(maxBytes: Int = 64 << 20, maxAge: Duration = .seconds(7 * 86_400), maxEntries: Int = 200_000) {
            self.maxBytes = maxBytes
            self.maxAge = maxAge
            self.maxEntries = maxEntries
        }
    }

    public struct Entry: Sendable, Hashable, Codable {
        public var id: UInt64
        public var stream: String
        public var seq: UInt64
        public var topic: String
        public var qos: Int32
        public var retain: Bool
        public var payload: Data
        /// Seconds since 1970 when appended (for the age limit).
        public var appendedAt: Double
    }

    public struct Stats: Sendable, Hashable {
        public var depth: Int
        /// Bytes the live entries' records take in the file.
        public var bytes: Int
        /// The file's size now (live records plus history not yet compacted away).
        public var fileBytes: Int
        public var appended: UInt64
        public var acknowledged: UInt64
        /// Entries lost by reason: `age`, `size`, `count` (limits), `corrupt` (a record that failed its CRC at
        /// start-up), and whatever the session sets aside (`too_large`).
        public var dropped: [String: UInt64]
        /// Writes that failed: an entry's (the entry is refused and the caller told: a full card) and those of
        /// acknowledgement, drop or compaction records (memory stays right, and what the file missed shows up after a
        /// restart as entries sent once more, duplicates, never as losses).
        public var writeFailures: UInt64
        /// Entries sent and not yet acknowledged.
        public var inFlight: Int = 0
    }

    /// What start-up found in the file.
    public struct Recovery: Sendable, Hashable {
        /// Valid records read.
        public var records: Int
        /// Records skipped because they failed their CRC, did not decode, or held ids or counters no outbox reaches
        /// (counted in `dropped["corrupt"]`).
        public var corrupt: Int
        /// Bytes of a record torn by a crash at the end of the file, cut off.
        public var tornTailBytes: Int
        /// The size of the file when it was opened.
        public var fileBytes: Int
        /// The largest the chunked reader's buffer became (one chunk plus at most one record).
        public var peakBufferBytes: Int
    }

    /// A write or read that failed, or an entry refused: the file, the operation and `errno` (a full disk is
    /// `ENOSPC`; an entry too large is `EMSGSIZE`).
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public struct Code: Hashable, Sendable, CustomStringConvertible {
            let name: String
            /// Reading or writing the file failed.
            public static let io = Code(name: "i/o")
            /// The entry is larger than the outbox may hold or the broker accepts; it was not stored.
            public static let tooLarge = Code(name: "too large")
            public var description: String { name }
        }
        public var code: Code
        public var file: String
        public var operation: String
        public var errno: Int32
        public var description: String { "\(file) \(operation): \(String(cString: strerror(errno))) (errno \(errno))" }

        /// `operation` says what was attempted, in words that stand after the file's path.
        public init(_ code: Code = .io, file: String, operation: String, errno: Int32) {
            self.code = code
            self.file = file
            self.operation = operation
            self.errno = errno
        }
    }

    /// The kinds of record in the log, for `WriteFault`.
    public enum RecordKind: String, Sendable, Hashable {
        case entry = "e"
        case acknowledgement = "a"
        case drop = "d"
        /// The counters snapshot that starts a compacted file (so: a compaction).
        case counters = "c"
    }

    /// A test seam: asked before every write with the kind of its first record; an `errno` it returns fails that
    /// write the way a full or failing card would (`ENOSPC`, `EIO`).
    public typealias WriteFault = @Sendable (RecordKind) -> Int32?

    /// The chunk size start-up reads the file in.
    public static let replayChunkBytes = 64 << 10

    private struct Record: Codable {
        var t: String  // "e" entry, "a" ack, "d" drop, "c" counters
        var entry: Entry?
        var id: UInt64?
        var reason: String?
        var seqs: [String: UInt64]?
        var nextID: UInt64?
        var appended: UInt64?
        var acknowledged: UInt64?
        var dropped: [String: UInt64]?

        /// Ids, seqs and counters grow by one per append, so a log this code wrote never holds one near 2^63; a
        /// record that claims more was not written by it (another program, or damage the CRC missed), and believing
        /// it would overflow the next append or acknowledgement and stop the daemon at every start.
        static let counterLimit: UInt64 = 1 << 63

        var isPlausible: Bool {
            let fields = [entry?.id, entry?.seq, id, nextID, appended, acknowledged].compactMap { $0 }
            let maps = Array((seqs ?? [:]).values) + Array((dropped ?? [:]).values)
            return (fields + maps).allSatisfy { $0 < Self.counterLimit }
        }
    }

    /// A live entry and the size of its record in the file.
    private struct Stored {
        var entry: Entry
        var recordBytes: Int
    }

    public let file: String
    public let limits: Limits
    public nonisolated let recovery: Recovery
    private var fd: Int32 = -1
    /// The truth about what is pending: every id here is also in `order`.
    private var live: [UInt64: Stored] = [:]
    /// Ids in append order (ascending, since ids are). Acknowledged or dropped ids may linger until trimmed from the
    /// front; whatever is not in `live` is skipped, so the two cannot disagree in a way that matters.
    private var order: [UInt64] = []
    private var orderHead = 0
    private var inFlight: Set<UInt64> = []
    private var seqs: [String: UInt64] = [:]
    private var nextID: UInt64 = 1
    private var liveBytes = 0
    private var fileBytes = 0
    private var appended: UInt64 = 0
    private var acknowledged: UInt64 = 0
    private var dropped: [String: UInt64] = [:]
    private var writeFailures: UInt64 = 0
    private let now: @Sendable () -> Date
    private let writeFault: WriteFault?

    /// Opens (or creates) `directory/outbox.log` and recovers what it holds.
    public init(
        directory: String, limits: Limits = Limits(), now: @escaping @Sendable () -> Date = { Date() },
        writeFault: WriteFault? = nil
    ) throws(Failure) {
        let file = PathComponents.joined(directory, "outbox.log")
        self.file = file
        self.limits = limits
        self.now = now
        self.writeFault = writeFault
        if mkdir(directory, 0o700) != 0, errno != EEXIST {
            throw Failure(file: directory, operation: "create folder", errno: errno)
        }
        var recovered = try Self.replay(file: file, maxBodyBytes: Self.maxBodyBytes(limits))
        recovery = Recovery(
            records: recovered.records, corrupt: recovered.corrupt,
            tornTailBytes: recovered.fileBytes - recovered.validEnd, fileBytes: recovered.fileBytes,
            peakBufferBytes: recovered.peakBufferBytes)
        if recovered.corrupt > 0 { recovered.dropped["corrupt", default: 0] += UInt64(recovered.corrupt) }
        // Limits may have shrunk since the file was written.
        let ids = recovered.live.keys.sorted()
        var bytes = recovered.live.values.reduce(0) { $0 + $1.recordBytes }
        var droppedAtStart = 0
        for id in ids {
            guard let stored = recovered.live[id],
                let reason = Self.dropReason(
                    stored.entry, liveBytes: bytes, liveCount: recovered.live.count, limits: limits, now: now())
            else { break }
            recovered.live[id] = nil
            bytes -= stored.recordBytes
            recovered.dropped[reason, default: 0] += 1
            droppedAtStart += 1
        }
        live = recovered.live
        order = ids.filter { recovered.live[$0] != nil }
        seqs = recovered.seqs
        nextID = recovered.nextID
        appended = recovered.appended
        acknowledged = recovered.acknowledged
        dropped = recovered.dropped
        liveBytes = bytes
        let validBytes = recovered.validEnd
        fileBytes = validBytes
        // A corrupt stretch is compacted away at once so that it is not counted again at the next start; so are drops
        // made here (they have no records) and a file grown large under an earlier version.
        var compacted = false
        if recovered.corrupt > 0 || droppedAtStart > 0 || Self.isLarge(validBytes, liveBytes: bytes, limits: limits) {
            do {
                fileBytes = try Self.writeCompacted(
                    counters: Record(
                        t: RecordKind.counters.rawValue, seqs: seqs, nextID: nextID, appended: appended,
                        acknowledged: acknowledged, dropped: dropped),
                    entries: order.compactMap { recovered.live[$0]?.entry }, to: file, fault: writeFault)
                compacted = true
            } catch {
                writeFailures += 1
            }
        }
        fd = open(file, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Failure(file: file, operation: "open", errno: errno) }
        // A record torn by a crash is cut off so new records follow the last good one.
        if !compacted, ftruncate(fd, off_t(recovered.validEnd)) != 0 {
            throw Failure(file: file, operation: "truncate torn tail", errno: errno)
        }
    }

    deinit {
        if fd >= 0 { close(fd) }
    }

    /// Records longer than this are not believed at start-up. An entry's record never exceeds `maxBytes` (larger ones
    /// are refused), and MQTT packets end at 256 MiB.
    private static func maxBodyBytes(_ limits: Limits) -> Int {
        min(max(limits.maxBytes, 1 << 20), 256 << 20)
    }

    /// Appends an entry; `makePayload` receives the entry's durable `seq` so the payload can carry it. Returns once
    /// the record is on disk.
    ///
    /// - Parameter maxPayloadBytes: the largest payload that can ever be sent (what the broker accepts in one
    ///   packet, less the topic and headers); a larger one is refused with `Failure.Code.tooLarge`, as is an entry
    ///   whose record alone exceeds `limits.maxBytes`. Nothing is stored and no `seq` is used up.
    @discardableResult
    public func append(
        stream: String, topic: String, qos: Int32 = 1, retain: Bool = false, maxPayloadBytes: Int? = nil,
        makePayload: (UInt64) -> [UInt8]
    ) throws(Failure) -> Entry {
        let seq = (seqs[stream] ?? 0) + 1
        let entry = Entry(
            id: nextID, stream: stream, seq: seq, topic: topic, qos: qos, retain: retain,
            payload: Data(makePayload(seq)), appendedAt: now().timeIntervalSince1970)
        if let maxPayloadBytes, entry.payload.count > maxPayloadBytes {
            throw Failure(
                .tooLarge, file: file,
                operation:
                    "append to \(topic): a \(entry.payload.count)-byte payload is over the \(maxPayloadBytes) bytes the broker accepts in one packet",
                errno: EMSGSIZE)
        }
        let record = Self.frame(Record(t: RecordKind.entry.rawValue, entry: entry))
        guard record.count <= limits.maxBytes else {
            throw Failure(
                .tooLarge, file: file,
                operation: "append to \(topic): a \(record.count)-byte record is over max_bytes \(limits.maxBytes)",
                errno: EMSGSIZE)
        }
        do {
            try write(record, kind: .entry)
        } catch {
            // Refused, not stored: the caller learns it from the error, telemetry/health from the count.
            writeFailures += 1
            throw error
        }
        seqs[stream] = seq
        nextID += 1
        appended += 1
        live[entry.id] = Stored(entry: entry, recordBytes: record.count)
        order.append(entry.id)
        liveBytes += record.count
        // The entry is on disk: what follows is housekeeping whose failures are counted, not thrown, since the caller
        // must not think the entry was lost.
        enforceLimits()
        compactIfLarge()
        return entry
    }

    /// Entries not yet handed to the broker, oldest first.
    public func pending(limit: Int) -> [Entry] {
        var result: [Entry] = []
        for id in order[orderHead...] where !inFlight.contains(id) {
            guard let stored = live[id] else { continue }
            result.append(stored.entry)
            if result.count == limit { break }
        }
        return result
    }

    /// The entry was handed to the MQTT client; it stays on disk until acknowledged.
    public func markInFlight(_ id: UInt64) {
        if live[id] != nil { inFlight.insert(id) }
    }

    /// The broker has it (PUBACK): forget it.
    ///
    /// Memory forgets it even when the acknowledgement cannot be written (the error is thrown after): the broker has
    /// the entry whatever the card says, and limits keep working. After a restart such an entry is sent once more.
    public func acknowledge(_ id: UInt64) throws(Failure) {
        guard forget(id) != nil else { return }
        acknowledged += 1
        do {
            try write(Self.frame(Record(t: RecordKind.acknowledgement.rawValue, id: id)), kind: .acknowledgement)
        } catch {
            writeFailures += 1
            throw error
        }
        compactIfLarge()
    }

    /// Sets an entry aside for good (it can never be sent: the broker refuses it), counted under `reason`.
    public func discard(_ id: UInt64, reason: String) throws(Failure) {
        guard forget(id) != nil else { return }
        dropped[reason, default: 0] += 1
        do {
            try write(Self.frame(Record(t: RecordKind.drop.rawValue, id: id, reason: reason)), kind: .drop)
        } catch {
            writeFailures += 1
            throw error
        }
        compactIfLarge()
    }

    /// Makes in-flight entries pending again (after a restart of the MQTT client, say).
    public func requeueInFlight() { inFlight.removeAll() }

    public var stats: Stats {
        Stats(
            depth: live.count, bytes: liveBytes, fileBytes: fileBytes, appended: appended, acknowledged: acknowledged,
            dropped: dropped, writeFailures: writeFailures, inFlight: inFlight.count)
    }

    // MARK: - Limits and compaction

    /// Removes an entry from memory: `live`, `inFlight` and the byte count together, before any record is written.
    private func forget(_ id: UInt64) -> Stored? {
        guard let stored = live.removeValue(forKey: id) else { return nil }
        inFlight.remove(id)
        liveBytes -= stored.recordBytes
        trimOrder()
        return stored
    }

    /// Drops ids no longer live from the front of `order`, releasing the storage once half of it is gone.
    private func trimOrder() {
        while orderHead < order.count, live[order[orderHead]] == nil { orderHead += 1 }
        if orderHead > 1024, orderHead * 2 > order.count {
            order.removeFirst(orderHead)
            orderHead = 0
        }
    }

    /// Why the oldest live entry must go, if it must.
    private static func dropReason(_ entry: Entry, liveBytes: Int, liveCount: Int, limits: Limits, now: Date)
        -> String?
    {
        if entry.appendedAt < now.timeIntervalSince1970 - limits.maxAge.totalSeconds { return "age" }
        if liveBytes > limits.maxBytes { return "size" }
        if liveCount > limits.maxEntries { return "count" }
        return nil
    }

    private func enforceLimits() {
        let now = now()
        var records: [UInt8] = []
        while orderHead < order.count, let stored = live[order[orderHead]],
            let reason = Self.dropReason(
                stored.entry, liveBytes: liveBytes, liveCount: live.count, limits: limits, now: now)
        {
            let id = stored.entry.id
            _ = forget(id)
            dropped[reason, default: 0] += 1
            records += Self.frame(Record(t: RecordKind.drop.rawValue, id: id, reason: reason))
        }
        guard !records.isEmpty else { return }
        // One write and one fsync for every drop of this round. If it fails, the entries are gone from memory anyway
        // and come back at the next start only to be dropped again.
        do { try write(records, kind: .drop) } catch { writeFailures += 1 }
    }

    /// History (acknowledged and dropped records) outweighs the live records, beyond a slack that keeps steady
    /// draining from rewriting the file more than every megabyte or so: O(1) per entry, file under 3 × `maxBytes`.
    private static func isLarge(_ fileBytes: Int, liveBytes: Int, limits: Limits) -> Bool {
        fileBytes > 2 * liveBytes + min(1 << 20, limits.maxBytes)
    }

    private func compactIfLarge() {
        guard Self.isLarge(fileBytes, liveBytes: liveBytes, limits: limits) else { return }
        do {
            try compact()
        } catch {
            writeFailures += 1
        }
    }

    private func compact() throws(Failure) {
        order = live.keys.sorted()
        orderHead = 0
        fileBytes = try Self.writeCompacted(
            counters: Record(
                t: RecordKind.counters.rawValue, seqs: seqs, nextID: nextID, appended: appended,
                acknowledged: acknowledged, dropped: dropped),
            entries: order.compactMap { live[$0]?.entry }, to: file, fault: writeFault)
        close(fd)
        fd = open(file, O_RDWR | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(file: file, operation: "reopen after compaction", errno: errno) }
    }

    /// Replaces the file with a counters snapshot and the live entries; returns its size.
    private static func writeCompacted(counters: Record, entries: [Entry], to file: String, fault: WriteFault?)
        throws(Failure) -> Int
    {
        if let code = fault?(.counters) {
            throw Failure(file: file, operation: "compact (injected)", errno: code)
        }
        var bytes = frame(counters)
        for entry in entries { bytes += frame(Record(t: RecordKind.entry.rawValue, entry: entry)) }
        do {
            try AtomicFile.write(bytes, to: file)
        } catch {
            throw Failure(file: file, operation: "compact (\(error.operation))", errno: error.errno)
        }
        return bytes.count
    }

    // MARK: - Records

    private func write(_ bytes: [UInt8], kind: RecordKind) throws(Failure) {
        if let code = writeFault?(kind) {
            throw Failure(file: file, operation: "append (injected)", errno: code)
        }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, $0.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                let code = errno
                cutBack()
                throw Failure(file: file, operation: "append", errno: code)
            }
            written += n
        }
        guard fsync(fd) == 0 else {
            let code = errno
            cutBack()
            throw Failure(file: file, operation: "fsync", errno: code)
        }
        fileBytes += bytes.count
    }

    /// Cuts a record that failed off the file, so the file stays well-formed and agrees with memory; should that
    /// fail too, the leftover is a corrupt stretch that the next start skips.
    private func cutBack() {
        guard ftruncate(fd, off_t(fileBytes)) != 0 else { return }
        let end = lseek(fd, 0, SEEK_END)
        if end >= 0 { fileBytes = Int(end) }
    }

    /// `[length u32 LE][crc32 u32 LE][JSON]`.
    private static func frame(_ record: Record) -> [UInt8] {
        let body = Array((try? JSONEncoder().encode(record)) ?? Data())
        let length = UInt32(body.count)
        let crc = CRC32.checksum(body)
        return withUnsafeBytes(of: length.littleEndian, Array.init) + withUnsafeBytes(of: crc.littleEndian, Array.init)
            + body
    }

    private struct Recovered {
        var live: [UInt64: Stored] = [:]
        var seqs: [String: UInt64] = [:]
        var nextID: UInt64 = 1
        var appended: UInt64 = 0
        var acknowledged: UInt64 = 0
        var dropped: [String: UInt64] = [:]
        var records = 0
        var corrupt = 0
        var validEnd = 0
        var fileBytes = 0
        var peakBufferBytes = 0
        /// Entries below this id were already counted in the last counters snapshot.
        var snapshotNextID: UInt64 = 0
    }

    private static func replay(file: String, maxBodyBytes: Int) throws(Failure) -> Recovered {
        var state = Recovered()
        let fd = open(file, O_RDONLY | O_CLOEXEC)
        if fd < 0, errno == ENOENT { return state }
        guard fd >= 0 else { throw Failure(file: file, operation: "open for recovery", errno: errno) }
        defer { close(fd) }
        var reader = OutboxLogReader(fd: fd, file: file, chunkBytes: replayChunkBytes, maxBodyBytes: maxBodyBytes)
        let decoder = JSONDecoder()
        while let body = try reader.next() {
            guard let record = try? decoder.decode(Record.self, from: Data(body)), record.isPlausible else {
                // It passed its CRC, so it was written this way: a format this version does not know, or counters no
                // outbox reaches.
                state.corrupt += 1
                continue
            }
            state.records += 1
            switch record.t {
            case RecordKind.entry.rawValue:
                if let entry = record.entry {
                    state.live[entry.id] = Stored(entry: entry, recordBytes: OutboxLogReader.headerBytes + body.count)
                    state.seqs[entry.stream] = max(state.seqs[entry.stream] ?? 0, entry.seq)
                    state.nextID = max(state.nextID, entry.id + 1)
                    if entry.id >= state.snapshotNextID { state.appended += 1 }
                }
            case RecordKind.acknowledgement.rawValue:
                if let id = record.id, state.live.removeValue(forKey: id) != nil { state.acknowledged += 1 }
            case RecordKind.drop.rawValue:
                if let id = record.id, state.live.removeValue(forKey: id) != nil {
                    state.dropped[record.reason ?? "unknown", default: 0] += 1
                }
            case RecordKind.counters.rawValue:
                state.seqs.merge(record.seqs ?? [:]) { max($0, $1) }
                state.nextID = max(state.nextID, record.nextID ?? 1)
                state.snapshotNextID = record.nextID ?? 0
                // Counters restart from the snapshot; entries after it add to them.
                state.appended = record.appended ?? 0
                state.acknowledged = record.acknowledged ?? 0
                state.dropped = record.dropped ?? [:]
            default:
                break
            }
        }
        state.corrupt += reader.corruptRecords
        state.validEnd = reader.validEnd
        state.peakBufferBytes = reader.peakBufferBytes
        let end = lseek(fd, 0, SEEK_END)
        state.fileBytes = end >= 0 ? Int(end) : reader.validEnd
        return state
    }
}
