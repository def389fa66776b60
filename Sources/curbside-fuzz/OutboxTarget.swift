import AgentRuntime
import Foundation
import HAL

/// The outbox's start-up: `FileOutbox` reading back `outbox.log` (framing, CRC resynchronisation, record decoding,
/// counters, limits), then the first append and acknowledgement on what it recovered, and a second start on the file
/// that left (the next restart) — which must give back the same pending entries.
///
/// Input: a mode byte, then either the file's bytes as they are (mode bit 0 clear; a fuzzer rarely gets a CRC right)
/// or record bodies separated by NUL bytes that the harness frames with their true length and CRC (bit 0 set), so the
/// JSON decoding of stored records is reached.
enum OutboxTarget {
    static let target = FuzzTarget("outbox", generatedSeeds: seeds) { data in
        guard let mode = data.first else { return }
        let body = data.dropFirst()
        let file =
            mode & 1 == 0 ? Array(body) : body.split(separator: 0, omittingEmptySubsequences: false).flatMap(frame)
        let folder = Fuzz.scratch("outbox")
        guard FileManager.default.createFile(atPath: folder + "/outbox.log", contents: Data(file)) else { return }
        runBlocking { await check(folder) }
    }

    private static func check(_ folder: String) async {
        let expected: [UInt64]
        do {
            let outbox = try FileOutbox(directory: folder, now: { Fuzz.now })
            _ = await outbox.stats
            let pending = await outbox.pending(limit: 10_000)
            let stream = pending.first?.stream ?? "events"
            let added = try await outbox.append(stream: stream, topic: "curb/v1/s/k/d/event/\(stream)") { seq in
                Array("{\"seq\":\(seq)}".utf8)
            }
            var ids = pending.map(\.id) + [added.id]
            if let first = pending.first {
                try await outbox.acknowledge(first.id)
                ids.removeFirst()
            }
            expected = ids
        } catch {
            _ = String(describing: error)
            return
        }
        do {
            let restarted = try FileOutbox(directory: folder, now: { Fuzz.now })
            let ids = await restarted.pending(limit: 10_000).map(\.id)
            precondition(ids == expected, "after a restart the outbox holds \(ids), expected \(expected)")
        } catch {
            _ = String(describing: error)
        }
    }

    /// `[length u32 LE][crc32 u32 LE][body]`, as the outbox writes a record.
    private static func frame(_ body: ArraySlice<UInt8>) -> [UInt8] {
        withUnsafeBytes(of: UInt32(body.count).littleEndian, Array.init)
            + withUnsafeBytes(of: CRC32.checksum(body).littleEndian, Array.init) + body
    }

    /// A log as the outbox writes it: a counters snapshot, entries, an acknowledgement, a drop.
    @Sendable static func seeds() -> [(String, [UInt8])] {
        let records = [
            #"{"t":"c","seqs":{"events":7},"nextID":12,"appended":11,"acknowledged":9,"dropped":{"age":1}}"#,
            #"{"t":"e","entry":{"id":12,"stream":"events","seq":8,"topic":"curb/v1/s/k/d/event/fault","qos":1,"#
                + #""retain":false,"payload":"eyJzZXEiOjh9","appendedAt":1799999990}}"#,
            #"{"t":"e","entry":{"id":13,"stream":"telemetry","seq":1,"topic":"curb/v1/s/k/d/telemetry/power","qos":1,"#
                + #""retain":false,"payload":"e30=","appendedAt":1799999995}}"#,
            #"{"t":"a","id":12}"#,
            #"{"t":"d","id":13,"reason":"too_large"}"#,
        ]
        let bodies = records.map { Array($0.utf8) }
        let framed = bodies.flatMap { frame($0[...]) }
        return [
            ("framed-records", [1] + Array(bodies.joined(separator: [0]))),
            ("raw-log", [0] + framed),
            ("raw-torn-tail", [0] + framed.dropLast(5)),
        ]
    }
}
