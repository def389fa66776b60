import AgentRuntime
import Foundation
import Synchronization
import Testing

/// The durable outbox on its own: order, durable seq, acknowledgement, limits, torn records, reopen.
@Suite("File outbox")
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
        let clock = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
        let outbox = try FileOutbox(
            directory: folder(), limits: .init(maxBytes: 100, maxAge: .seconds(60), maxEntries: 1000),
            now: { clock.withLock { $0 } })
        for index in 1...10 { _ = try await append(outbox, "ev", String(repeating: "x", count: 20) + "\(index)") }
        var stats = await outbox.stats
        #expect(stats.bytes <= 100)
        #expect(stats.dropped["size"] ?? 0 >= 5)
        #expect(await outbox.pending(limit: 100).last?.seq == 10, "the newest entries stay")
        clock.withLock { $0 = $0.addingTimeInterval(120) }
        _ = try await append(outbox, "ev", "late")
        stats = await outbox.stats
        #expect(stats.depth == 1)
        #expect(stats.dropped["age"] ?? 0 >= 1)
    }

    @Test("an unwritable folder is a typed error naming the path")
    func unwritable() {
        #expect(throws: FileOutbox.Failure.self) { try FileOutbox(directory: "/proc/curb-outbox") }
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
