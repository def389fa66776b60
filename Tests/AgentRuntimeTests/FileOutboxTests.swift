import AgentRuntime
import Foundation
import HAL
import Locking
import Testing

/// The durable outbox on its own: order, durable seq, acknowledgement, limits, torn records, reopen; the file's own
/// bound, chunked replay, corrupt records and failed writes. One test at a time: they fsync hundreds of records from
/// the cooperative pool (as the outbox does), and side by side they starved other suites' polls on a 2-core machine.
@Suite("File outbox", .serialized)
struct FileOutboxTests {
    func folder() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("curb-outbox-\(UUID().uuidString.prefix(8))").path
    }

    func append(_ outbox: FileOutbox, _ stream: String, _ text: String) async throws -> FileOutbox.Entry {
        try await outbox.append(stream: stream, topic: "t/\(stream)") { seq in Array("\(text)#\(seq)".utf8) }
    }

    @Test("entries come back in order with a per-stream seq; acknowledged ones are gone")
    func orderAndAck() async throws {
        let outbox = try FileOutbox(directory: folder())
        let a1 = try await append(outbox, "a", "x")
        let b1 = try await append(outbox, "b", "y")
        let a2 = try await append(outbox, "a", "z")
        #expect([a1.seq, b1.seq, a2.seq] == [1, 1, 2])
        #expect(a2.payload == Data("z#2".utf8))
        #expect(await outbox.pending(limit: 10).map(\.id) == [a1.id, b1.id, a2.id])
        await outbox.markInFlight(a1.id)
        #expect(await outbox.pending(limit: 10).map(\.id) == [b1.id, a2.id])
        try await outbox.acknowledge(a1.id)
        #expect(await outbox.stats.depth == 2)
    }

    @Test("reopening keeps unacknowledged entries, the seq continues, and counters persist")
    func reopen() async throws {
        let directory = folder()
        do {
            let outbox = try FileOutbox(directory: directory)
            for index in 1...5 { _ = try await append(outbox, "ev", "e\(index)") }
            try await outbox.acknowledge(1)
            try await outbox.acknowledge(2)
        }
        let reopened = try FileOutbox(directory: directory)
        #expect(await reopened.pending(limit: 10).map(\.seq) == [3, 4, 5])
        #expect(try await append(reopened, "ev", "e6").seq == 6)
        let stats = await reopened.stats
        #expect(stats.appended == 6)
        #expect(stats.acknowledged == 2)
    }

    @Test("a record torn by a crash is cut off; everything before it survives and appends continue")
    func tornTail() async throws {
        let directory = folder()
        do {
            let outbox = try FileOutbox(directory: directory)
            for index in 1...3 { _ = try await append(outbox, "ev", "e\(index)") }
        }
        let file = directory + "/outbox.log"
        let handle = try #require(FileHandle(forWritingAtPath: file))
        handle.seekToEndOfFile()
        handle.write(Data([0x40, 0, 0, 0, 0xDE, 0xAD, 0xBE, 0xEF, 0x7B]))  // a header and one byte of a body
        try handle.close()
        let reopened = try FileOutbox(directory: directory)
        #expect(await reopened.pending(limit: 10).map(\.seq) == [1, 2, 3])
        _ = try await append(reopened, "ev", "e4")
        let again = try FileOutbox(directory: directory)
        #expect(await again.pending(limit: 10).map(\.seq) == [1, 2, 3, 4])
    }

    @Test("size and age limits drop the oldest entries and count why")
    func limits() async throws {
        let clock = Lock(Date(timeIntervalSince1970: 1_800_000_000))
        let outbox = try FileOutbox(
            directory: folder(), limits: .init(maxBytes: 1000, maxAge: .seconds(60), maxEntries: 1000),
            now: { clock.withLock { $0 } })
        for index in 1...10 { _ = try await append(outbox, "ev", String(repeating: "x", count: 20) + "\(index)") }
        var stats = await outbox.stats
        #expect(stats.bytes <= 1000)
        #expect(stats.dropped["size"] ?? 0 >= 3)
        #expect(await outbox.pending(limit: 100).last?.seq == 10, "the newest entries stay")
        clock.withLock { $0 = $0.addingTimeInterval(120) }
        _ = try await append(outbox, "ev", "late")
        stats = await outbox.stats
        #expect(stats.depth == 1)
        #expect(stats.dropped["age"] ?? 0 >= 1)
    }

    @Test("an entry that can never be stored or sent is refused, and its seq is not used up")
    func refusesTooLarge() async throws {
        let outbox = try FileOutbox(directory: folder(), limits: .init(maxBytes: 65_536))
        let huge = String(repeating: "x", count: 70_000)
        await #expect(throws: FileOutbox.Failure.self) { try await append(outbox, "ev", huge) }
        let refused = await #expect(throws: FileOutbox.Failure.self) {
            try await outbox.append(stream: "ev", topic: "t/ev", maxPayloadBytes: 100) { _ in
                Array(repeating: 1, count: 101)
            }
        }
        #expect(refused?.code == .tooLarge)
        #expect(refused?.description.contains("101-byte payload") == true, "\(String(describing: refused))")
        #expect(try await append(outbox, "ev", "fits").seq == 1)
        #expect(await outbox.stats.depth == 1)
    }

    /// The file's size on disk.
    func fileSize(_ directory: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: directory + "/outbox.log")
        return try #require(attributes[.size] as? Int)
    }

    @Test("through ten times max_bytes of appends and no acknowledgement, the file stays under 3 × max_bytes")
    func fileBounded() async throws {
        let directory = folder()
        let maxBytes = 65_536
        let outbox = try FileOutbox(directory: directory, limits: .init(maxBytes: maxBytes))
        var largest = 0
        var written = 0
        var count = 0
        while written < 10 * maxBytes {
            let entry = try await append(outbox, "ev", String(repeating: "p", count: 700))
            written += entry.payload.count
            count += 1
            largest = max(largest, try fileSize(directory))
        }
        let stats = await outbox.stats
        #expect(largest <= 3 * maxBytes, "file reached \(largest) bytes for max_bytes \(maxBytes)")
        #expect(stats.fileBytes == (try fileSize(directory)))
        #expect(stats.bytes <= maxBytes)
        #expect(stats.dropped["size"] ?? 0 > 0)
        let kept = await outbox.pending(limit: 10_000).map(\.seq)
        #expect(kept == Array(UInt64(count - kept.count + 1)...UInt64(count)), "the newest entries stay, in order")
        let reopened = try FileOutbox(directory: directory, limits: .init(maxBytes: maxBytes))
        #expect(await reopened.pending(limit: 10_000).map(\.seq) == kept)
        #expect(await reopened.stats.dropped == stats.dropped)
        print(
            "outbox file bound: \(written) payload bytes appended, file at most \(largest) bytes (max_bytes \(maxBytes))"
        )
    }

    @Test("a large file is replayed in chunks: the reader's buffer holds one chunk and one record, not the file")
    func chunkedReplay() async throws {
        let directory = folder()
        let payload = 96 << 10  // larger than a chunk, so a record spans reads
        var appended: [UInt64] = []
        do {
            let outbox = try FileOutbox(directory: directory)
            for index in 1...30 {
                let entry = try await append(outbox, "ev", String(repeating: "\(index % 10)", count: payload))
                appended.append(entry.seq)
            }
        }
        let size = try fileSize(directory)
        let reopened = try FileOutbox(directory: directory)
        let recovery = reopened.recovery
        #expect(recovery.fileBytes == size)
        #expect(recovery.records == 30)
        #expect(recovery.corrupt == 0)
        // A record is base64 (4/3) inside JSON; its frame is under 1.4 × the payload.
        let bound = 2 * (FileOutbox.replayChunkBytes + payload * 14 / 10)
        #expect(recovery.peakBufferBytes <= bound, "buffer \(recovery.peakBufferBytes) bytes for a \(size)-byte file")
        #expect(size > 8 * bound)
        let entries = await reopened.pending(limit: 1000)
        #expect(entries.map(\.seq) == appended)
        #expect(entries.last?.payload == Data((String(repeating: "0", count: payload) + "#30").utf8))
        print("outbox replay: \(size)-byte file, read buffer peaked at \(recovery.peakBufferBytes) bytes")
    }

    /// Where each record of the file starts: `[length u32 LE][crc32 u32 LE][JSON]`.
    func recordOffsets(_ file: String) throws -> [Int] {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
        var offsets: [Int] = []
        var offset = 0
        while offset + 8 <= bytes.count {
            offsets.append(offset)
            offset +=
                8
                + (Int(bytes[offset]) | Int(bytes[offset + 1]) << 8 | Int(bytes[offset + 2]) << 16
                    | Int(bytes[offset + 3]) << 24)
        }
        return offsets
    }

    /// A bit flip in the third of five records: in its JSON body, or in its length field (a megabyte more, or
    /// hundreds of megabytes more).
    @Test(
        "a corrupt record in the middle is skipped and counted once; every other record is replayed in order",
        arguments: [12, 2, 3])
    func corruptMiddle(flipAt position: Int) async throws {
        let directory = folder()
        do {
            let outbox = try FileOutbox(directory: directory)
            for index in 1...5 { _ = try await append(outbox, "ev", "e\(index)") }
        }
        let file = directory + "/outbox.log"
        let offsets = try recordOffsets(file)
        #expect(offsets.count == 5)
        let handle = try #require(FileHandle(forUpdatingAtPath: file))
        try handle.seek(toOffset: UInt64(offsets[2] + position))
        let original = try #require(try handle.read(upToCount: 1)?.first)
        try handle.seek(toOffset: UInt64(offsets[2] + position))
        try handle.write(contentsOf: [original ^ 0x10])
        try handle.close()

        let reopened = try FileOutbox(directory: directory)
        #expect(await reopened.pending(limit: 10).map(\.seq) == [1, 2, 4, 5])
        #expect(reopened.recovery.corrupt == 1)
        // A garbled length that is large but plausible must not be allocated when the file ends long before it.
        #expect(reopened.recovery.peakBufferBytes <= 3 * FileOutbox.replayChunkBytes)
        #expect(await reopened.stats.dropped["corrupt"] == 1)
        _ = try await append(reopened, "ev", "e6")
        let again = try FileOutbox(directory: directory)
        #expect(await again.pending(limit: 10).map(\.seq) == [1, 2, 4, 5, 6])
        #expect(again.recovery.corrupt == 0, "the corrupt stretch was compacted away")
        #expect(await again.stats.dropped["corrupt"] == 1, "and is not counted twice")
    }

    @Test("a failed acknowledgement write keeps memory consistent and limits working")
    func acknowledgementWriteFails() async throws {
        let directory = folder()
        let failAcknowledgements = Lock(false)
        let outbox = try FileOutbox(
            directory: directory, limits: .init(maxEntries: 10),
            writeFault: { kind in
                kind == .acknowledgement && failAcknowledgements.withLock { $0 } ? ENOSPC : nil
            })
        for index in 1...5 { _ = try await append(outbox, "ev", "e\(index)") }
        await outbox.markInFlight(1)
        failAcknowledgements.withLock { $0 = true }
        let failure = await #expect(throws: FileOutbox.Failure.self) { try await outbox.acknowledge(1) }
        #expect(failure?.errno == ENOSPC)
        var stats = await outbox.stats
        #expect(stats.depth == 4)
        #expect(stats.writeFailures == 1)
        #expect(await outbox.pending(limit: 100).map(\.seq) == [2, 3, 4, 5])
        for index in 6...30 { _ = try await append(outbox, "ev", "e\(index)") }
        stats = await outbox.stats
        #expect(stats.depth == 10, "the count limit still holds")
        #expect(stats.dropped["count"] == 19)
        let pending = await outbox.pending(limit: 100).map(\.seq)
        #expect(pending == Array(21...30))
        // The acknowledgement never reached the file: after a restart entry 1 may come back (sent once more, never
        // lost), and everything memory held is there.
        let reopened = try FileOutbox(directory: directory, limits: .init(maxEntries: 10))
        #expect(await reopened.pending(limit: 100).map(\.seq) == pending)
    }

    @Test(
        "on a full filesystem an append is refused with ENOSPC and counted, and what was stored stays whole across a reopen"
    )
    func fullFilesystem() async throws {
        let mountPoint = folder()
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        // A filesystem of its own, so that filling it touches nothing else; mounting needs root.
        guard mount("tmpfs", mountPoint, "tmpfs", 0, "size=256k") == 0 else {
            print("skipped: cannot mount a 256 KiB tmpfs at \(mountPoint): \(String(cString: strerror(errno)))")
            return
        }
        defer { umount(mountPoint) }
        let directory = mountPoint + "/outbox"
        var stored: [UInt64] = []
        var failure: FileOutbox.Failure?
        do {
            let outbox = try FileOutbox(directory: directory)
            while stored.count < 10_000 {
                do {
                    stored.append(try await append(outbox, "ev", String(repeating: "f", count: 1000)).seq)
                } catch {
                    failure = try #require(error as? FileOutbox.Failure, "\(error)")
                    break
                }
            }
            #expect(await outbox.pending(limit: 10_000).map(\.seq) == stored)
            #expect(await outbox.stats.depth == stored.count)
            #expect(await outbox.stats.writeFailures == 1, "the refused append is counted for telemetry/health")
        }
        #expect(failure?.errno == ENOSPC, "\(String(describing: failure))")
        #expect(failure?.code == .io)
        #expect(stored.count > 50)
        let reopened = try FileOutbox(directory: directory)
        #expect(await reopened.pending(limit: 10_000).map(\.seq) == stored)
        #expect(reopened.recovery.corrupt == 0)
        #expect(reopened.recovery.tornTailBytes == 0, "the record that did not fit was cut off when it failed")
    }

    @Test("an unwritable folder is a typed error naming the path")
    func unwritable() {
        #expect(throws: FileOutbox.Failure.self) { try FileOutbox(directory: "/proc/curb-outbox") }
    }

    /// Records that pass their CRC but hold ids, seqs or counters at 2^64 − 1, found by the `outbox` fuzz target
    /// (Tests/Fuzz): each overflowed at fcdcfdb — in the replay, or in the first append or acknowledgement after it —
    /// and stopped the daemon at every start.
    @Test(
        "a stored record with an id, seq or counter no outbox reaches is counted corrupt; the outbox starts and works",
        arguments: [
            #"{"t":"e","entry":{"id":18446744073709551615,"stream":"ev","seq":9,"topic":"t/ev","qos":1,"#
                + #""retain":false,"payload":"e30=","appendedAt":1}}"#,
            #"{"t":"e","entry":{"id":7,"stream":"ev","seq":18446744073709551615,"topic":"t/ev","qos":1,"#
                + #""retain":false,"payload":"e30=","appendedAt":1}}"#,
            #"{"t":"c","nextID":18446744073709551615}"#,
            #"{"t":"c","appended":18446744073709551615}"#,
            #"{"t":"c","acknowledged":18446744073709551615}"#,
            #"{"t":"c","seqs":{"ev":18446744073709551615}}"#,
        ])
    func implausibleCounters(record: String) async throws {
        let directory = folder()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        func entry(_ id: Int, seq: Int) -> String {
            #"{"t":"e","entry":{"id":\#(id),"stream":"ev","seq":\#(seq),"topic":"t/ev","qos":1,"retain":false,"#
                + #""payload":"e30=","appendedAt":\#(Date().timeIntervalSince1970)}}"#
        }
        let log = [entry(1, seq: 1), record, entry(2, seq: 2)].flatMap { text in
            let body = Array(text.utf8)
            return withUnsafeBytes(of: UInt32(body.count).littleEndian, Array.init)
                + withUnsafeBytes(of: CRC32.checksum(body).littleEndian, Array.init) + body
        }
        #expect(FileManager.default.createFile(atPath: directory + "/outbox.log", contents: Data(log)))

        let outbox = try FileOutbox(directory: directory)
        #expect(outbox.recovery.corrupt == 1)
        #expect(await outbox.pending(limit: 10).map(\.seq) == [1, 2])
        let added = try await append(outbox, "ev", "e3")
        #expect(added.id == 3)
        #expect(added.seq == 3)
        try await outbox.acknowledge(1)
        let stats = await outbox.stats
        #expect(stats.acknowledged == 1)
        #expect(stats.dropped["corrupt"] == 1)
        let reopened = try FileOutbox(directory: directory)
        #expect(await reopened.pending(limit: 10).map(\.seq) == [2, 3])
    }

    @Test("token bucket: a burst, then the configured rate")
    func tokenBucket() {
        let start = ContinuousClock.now
        var bucket = TokenBucket(ratePerSecond: 10, burst: 3, now: start)
        var granted = 0
        for _ in 0..<5 where bucket.take(now: start) { granted += 1 }
        #expect(granted == 3)
        let refilled = bucket.take(now: start + .milliseconds(100))
        let tooSoon = bucket.take(now: start + .milliseconds(110))
        #expect(refilled)
        #expect(!tooSoon)
    }
}
