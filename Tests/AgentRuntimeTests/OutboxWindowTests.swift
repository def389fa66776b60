import AgentRuntime
import CurbsideTestKit
import Foundation
import Testing

/// A long outage's backlog must not be sent all at once: MQTT packet ids are 16 bits, and with more than 65 535
/// entries in flight two of them shared an id, so one acknowledgement was matched to the wrong entry and the drain
/// stalled (seen in `agent-bench`: 100 000 queued, stuck at 90 708 acknowledged).
@Suite("Outbox drain window", .serialized, .timeLimit(.minutes(2)))
struct OutboxWindowTests {
    @Test("with the broker not acknowledging, at most the window is in flight; when it answers, the outbox empties")
    func backlogIsSentThroughAWindow() async throws {
        let broker = try MosquittoBroker()
        try await broker.start()
        defer { broker.terminate() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "curb-window-\(UUID().uuidString.prefix(8))"
        ).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let outbox = try FileOutbox(directory: directory + "/outbox")
        let helpers = OversizeDeliveryTests()
        let session = try helpers.session(
            brokerPort: broker.port, outbox: outbox, directory: directory, drainRatePerSecond: 1e6)
        let running = Task { await session.run() }
        // Connected once the first event has been acknowledged.
        try await session.publishEvent("probe", [:])
        try #require(await helpers.wait { await outbox.stats.depth == 0 })

        broker.pause()
        let backlog = 3 * AgentSession.outboxWindow
        let topic = AgentProcess.prefix("oversize") + "/event/backlog"
        for index in 1..<backlog {
            try await outbox.append(stream: "event/backlog", topic: topic) { seq in
                Array(#"{"n":\#(index),"seq":\#(seq)}"#.utf8)
            }
        }
        try await session.publishEvent("backlog", [:])  // starts the drain
        // Sent until the count stops moving (the broker answers nothing): three equal readings in a row.
        var readings: [Int] = []
        let settled = await helpers.wait {
            readings.append(await outbox.stats.inFlight)
            return readings.count >= 3 && readings.suffix(3).allSatisfy { $0 == readings.last } && readings.last! > 0
        }
        #expect(settled, "\(readings.suffix(5))")
        #expect(readings.last == AgentSession.outboxWindow, "in flight: \(readings.suffix(5)) of \(backlog) queued")

        broker.resume()
        let emptied = await helpers.wait(within: .seconds(60)) { await outbox.stats.depth == 0 }
        let stats = await outbox.stats
        #expect(emptied, "\(stats)")
        #expect(stats.acknowledged == UInt64(backlog + 1))
        await session.shutdown()
        running.cancel()
    }
}
