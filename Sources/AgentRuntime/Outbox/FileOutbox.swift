public import Foundation
import Glibc
import HAL

/// The durable outbox: events (and telemetry streams that ask for it) are written here before they are published,
/// and removed only after the broker's PUBACK. At-least-once; `seq` (per stream, durable) lets consumers drop
/// duplicates.
///
/// An append-only log instead of SQLite: one file of CRC-framed records (`entry`, `ack`, `drop`, `counters`),
/// each append `fsync`ed before `append` returns, so an event that was accepted survives a crash or power cut. A
/// crash can only tear the last record, which recovery detects by length/CRC and cuts off. When acknowledged
/// records dominate, the live ones are rewritten to a new file with `AtomicFile` (temp, fsync, rename, fsync
/// folder). The file is never wiped or recreated because of a restart or a configuration change.
public actor FileOutbox {
    /// Bounds that keep a long outage from filling the card; the oldest entries go first and are counted.
    public struct Limits: Sendable, Hashable {
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
        public var bytes: Int
        public var appended: UInt64
        public var acknowledged: UInt64
        public var dropped: [String: UInt64]
    }

    /// A write that failed: the file, the operation and `errno` (a full disk is `ENOSPC`).
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var file: String
        public var operation: String
        public var errno: Int32
        public var description: String { "\(file) \(operation): \(String(cString: strerror(errno))) (errno \(errno))" }
    }

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
    }

    public let file: String
    public let limits: Limits
    private var fd: Int32 = -1
    private var live: [UInt64: Entry] = [:]
    private var order: [UInt64] = []
    private var inFlight: Set<UInt64> = []
    private var seqs: [String: UInt64] = [:]
    private var nextID: UInt64 = 1
    private var liveBytes = 0
    private var fileBytes = 0
    private var appended: UInt64 = 0
    private var acknowledged: UInt64 = 0
    private var dropped: [String: UInt64] = [:]
    private let now: @Sendable () -> Date

    /// Opens (or creates) `directory/outbox.log` and recovers what it holds.
    public init(directory: String, limits: Limits = Limits(), now: @escaping @Sendable () -> Date = { Date() })
        throws(Failure)
    {
        self.file = (directory as NSString).appendingPathComponent("outbox.log")
        self.limits = limits
        self.now = now
        if mkdir(directory, 0o700) != 0, errno != EEXIST {
            throw Failure(file: directory, operation: "create folder", errno: errno)
        }
        let recovered = Self.replay(file)
        live = recovered.live
        order = recovered.order
        seqs = recovered.seqs
        nextID = recovered.nextID
        appended = recovered.appended
        acknowledged = recovered.acknowledged
        dropped = recovered.dropped
        liveBytes = live.values.reduce(0) { $0 + $1.payload.count }
        fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Failure(file: file, operation: "open", errno: errno) }
        // A record torn by a crash is cut off so new records follow the last good one.
        guard ftruncate(fd, off_t(recovered.goodBytes)) == 0, lseek(fd, 0, SEEK_END) >= 0 else {
            throw Failure(file: file, operation: "truncate torn tail", errno: errno)
        }
        fileBytes = recovered.goodBytes
    }

    deinit {
        if fd >= 0 { close(fd) }
    }

    /// Appends an entry; `makePayload` receives the entry's durable `seq` so the payload can carry it. Returns once
    /// the record is on disk.
    @discardableResult
    public func append(
        stream: String, topic: String, qos: Int32 = 1, retain: Bool = false, makePayload: (UInt64) -> [UInt8]
    ) throws(Failure) -> Entry {
        let seq = (seqs[stream] ?? 0) + 1
        let entry = Entry(
            id: nextID, stream: stream, seq: seq, topic: topic, qos: qos, retain: retain,
            payload: Data(makePayload(seq)), appendedAt: now().timeIntervalSince1970)
        try write(Record(t: "e", entry: entry))
        seqs[stream] = seq
        nextID += 1
        appended += 1
        live[entry.id] = entry
        order.append(entry.id)
        liveBytes += entry.payload.count
        try enforceLimits()
        return entry
    }

    /// Entries not yet handed to the broker, oldest first.
    public func pending(limit: Int) -> [Entry] {
        var result: [Entry] = []
        for id in order where !inFlight.contains(id) {
            guard let entry = live[id] else { continue }
            result.append(entry)
            if result.count == limit { break }
        }
        return result
    }

    /// The entry was handed to the MQTT client; it stays on disk until acknowledged.
    public func markInFlight(_ id: UInt64) { inFlight.insert(id) }

    /// The broker has it (PUBACK): forget it.
    public func acknowledge(_ id: UInt64) throws(Failure) {
        guard let entry = live.removeValue(forKey: id) else { return }
        inFlight.remove(id)
        liveBytes -= entry.payload.count
        acknowledged += 1
        try write(Record(t: "a", id: id))
        if order.first == id { order.removeFirst() } else { order.removeAll { $0 == id } }
        try compactIfWorthwhile()
    }

    /// Makes in-flight entries pending again (after a restart of the MQTT client, say).
    public func requeueInFlight() { inFlight.removeAll() }

    public var stats: Stats {
        Stats(depth: live.count, bytes: liveBytes, appended: appended, acknowledged: acknowledged, dropped: dropped)
    }

    // MARK: - Limits and compaction

    private func enforceLimits() throws(Failure) {
        let oldestAllowed = now().timeIntervalSince1970 - limits.maxAge.totalSeconds
        while let first = order.first, let entry = live[first] {
            let reason: String
            if entry.appendedAt < oldestAllowed {
                reason = "age"
            } else if liveBytes > limits.maxBytes {
                reason = "size"
            } else if live.count > limits.maxEntries {
                reason = "count"
            } else {
                break
            }
            order.removeFirst()
            live[first] = nil
            inFlight.remove(first)
            liveBytes -= entry.payload.count
            dropped[reason, default: 0] += 1
            try write(Record(t: "d", id: first, reason: reason))
        }
    }

    private func compactIfWorthwhile() throws(Failure) {
        // Rewrite only when most of the file is acknowledged history, so steady draining costs O(1) per entry.
        guard fileBytes > 1 << 20, fileBytes > 4 * (liveBytes + 4096) else { return }
        var bytes = Self.frame(
            Record(
                t: "c", seqs: seqs, nextID: nextID, appended: appended, acknowledged: acknowledged, dropped: dropped))
        for id in order { if let entry = live[id] { bytes += Self.frame(Record(t: "e", entry: entry)) } }
        do {
            try AtomicFile.write(bytes, to: file)
        } catch {
            throw Failure(file: file, operation: "compact (\(error.operation))", errno: error.errno)
        }
        close(fd)
        fd = open(file, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(file: file, operation: "reopen after compaction", errno: errno) }
        fileBytes = bytes.count
    }

    // MARK: - Records

    private func write(_ record: Record) throws(Failure) {
        let bytes = Self.frame(record)
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, $0.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                let code = errno
                // Cut a partial record so the file stays well-formed for the next append.
                _ = ftruncate(fd, off_t(fileBytes))
                _ = lseek(fd, 0, SEEK_END)
                throw Failure(file: file, operation: "append", errno: code)
            }
            written += n
        }
        guard fsync(fd) == 0 else { throw Failure(file: file, operation: "fsync", errno: errno) }
        fileBytes += bytes.count
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
        var live: [UInt64: Entry] = [:]
        var order: [UInt64] = []
        var seqs: [String: UInt64] = [:]
        var nextID: UInt64 = 1
        var appended: UInt64 = 0
        var acknowledged: UInt64 = 0
        var dropped: [String: UInt64] = [:]
        var goodBytes = 0
        /// Entries below this id were already counted in the last counters snapshot.
        var snapshotNextID: UInt64 = 0
    }

    private static func replay(_ file: String) -> Recovered {
        var state = Recovered()
        guard let data = FileManager.default.contents(atPath: file) else { return state }
        let bytes = [UInt8](data)
        var offset = 0
        let decoder = JSONDecoder()
        while offset + 8 <= bytes.count {
            let length = Int(
                UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
                    | UInt32(bytes[offset + 3]) << 24)
            let crc =
                UInt32(bytes[offset + 4]) | UInt32(bytes[offset + 5]) << 8 | UInt32(bytes[offset + 6]) << 16
                | UInt32(bytes[offset + 7]) << 24
            let end = offset + 8 + length
            guard end <= bytes.count else { break }
            let body = bytes[(offset + 8)..<end]
            guard CRC32.checksum(body) == crc, let record = try? decoder.decode(Record.self, from: Data(body)) else {
                break
            }
            switch record.t {
            case "e":
                if let entry = record.entry {
                    state.live[entry.id] = entry
                    state.order.append(entry.id)
                    state.seqs[entry.stream] = max(state.seqs[entry.stream] ?? 0, entry.seq)
                    state.nextID = max(state.nextID, entry.id + 1)
                    if entry.id >= state.snapshotNextID { state.appended += 1 }
                }
            case "a":
                if let id = record.id, state.live.removeValue(forKey: id) != nil { state.acknowledged += 1 }
            case "d":
                if let id = record.id, state.live.removeValue(forKey: id) != nil {
                    state.dropped[record.reason ?? "unknown", default: 0] += 1
                }
            case "c":
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
            offset = end
        }
        state.order = state.order.filter { state.live[$0] != nil }
        state.goodBytes = offset
        return state
    }
}
