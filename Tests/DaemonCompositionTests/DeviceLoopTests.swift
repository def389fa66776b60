import AgentRuntime
import HAL
import HALSim
import Locking
import Logging
import Testing

@testable import DaemonComposition

/// The loops every daemon runs.
@Suite("Daemon composition: loops")
struct DeviceLoopTests {
    @Test("edges beyond the backlog a slow handler leaves are dropped oldest first and counted, never piled up")
    func edgeBacklogBounded() async throws {
        let line = FeedLine()
        let (gate, open) = AsyncStream.makeStream(of: Void.self)
        let handled = Lock(0)
        let health = HealthRegistry()
        // The first edge holds the handler until the test opens the gate: everything after it waits or is dropped.
        let loop = DeviceLoop.edges(of: line, "test edges") { _ in
            if handled.withLock({ count in
                count += 1
                return count
            }) == 1 {
                for await _ in gate { break }
            }
        }
        let running = Task { await loop.run(Logger(label: "test"), health) }
        // How long each phase may take to get there on a loaded machine (a wait, not a measurement).
        func deadline() -> ContinuousClock.Instant { ContinuousClock.now + .seconds(60) }
        var until = deadline()
        line.edge(.rising)
        while handled.withLock({ $0 }) == 0, ContinuousClock.now < until {
            try await Task.sleep(for: .milliseconds(5))
        }
        for index in 0..<200 { line.edge(index % 2 == 0 ? .falling : .rising) }
        func dropped() async -> Int {
            guard case .object(let counts)? = await health.values["edge_events_dropped"],
                case .number(let count)? = counts["feed:1"]
            else { return 0 }
            return Int(count)
        }
        // 200 edges behind a blocked handler: the backlog keeps the newest 64, the rest are counted.
        until = deadline()
        while await dropped() < 200 - DeviceLoop.edgeBacklog, ContinuousClock.now < until {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(await dropped() == 200 - DeviceLoop.edgeBacklog)
        open.yield()
        until = deadline()
        while handled.withLock({ $0 }) < 1 + DeviceLoop.edgeBacklog, ContinuousClock.now < until {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(handled.withLock { $0 } == 1 + DeviceLoop.edgeBacklog)
        running.cancel()
        await running.value
    }
}

/// An input line whose edges the test feeds by hand, so the loop's own queue is what is under test.
final class FeedLine: GPIOInputLine {
    let address = GPIOLineAddress(chip: "feed", offset: 1)
    let configuration = GPIOInputConfiguration(consumer: "test", edges: .both)
    private let stream: AsyncThrowingStream<GPIOEdgeEvent, any Error>
    private let feed: AsyncThrowingStream<GPIOEdgeEvent, any Error>.Continuation

    init() { (stream, feed) = AsyncThrowingStream.makeStream(of: GPIOEdgeEvent.self) }

    func edge(_ kind: GPIOEdgeEvent.Kind) { feed.yield(GPIOEdgeEvent(kind: kind, timestampNanoseconds: 0)) }
    func read() async throws(GPIOError) -> GPIOValue { .inactive }
    func events() -> AsyncThrowingStream<GPIOEdgeEvent, any Error> { stream }
    func release() async { feed.finish() }
}
