import HAL
import Testing

/// The real-time adapter judged by edge timestamps: late delivery must not turn bounces into events.
@Suite("GPIODebouncedEvents.Sink")
struct GPIODebouncerSinkTests {
    static let ms: UInt64 = 1_000_000

    func edge(_ kind: GPIOEdgeEvent.Kind, atMs ms: UInt64) -> GPIOEdgeEvent {
        GPIOEdgeEvent(kind: kind, timestampNanoseconds: ms * Self.ms)
    }

    /// Drains the sink after finishing it, so the test waits for nothing but the pending timer.
    func drain(_ sink: GPIODebouncedEvents.Sink, after delay: Duration = .milliseconds(50)) async throws
        -> [GPIOEdgeEvent]
    {
        try await Task.sleep(for: delay)
        sink.finish()
        var seen: [GPIOEdgeEvent] = []
        for try await event in sink.events { seen.append(event) }
        return seen
    }

    @Test("a burst delivered long after it happened gives only its final level")
    func lateBurst() async throws {
        // The clock is far past every edge, as when a slow consumer drains a full queue.
        let sink = GPIODebouncedEvents.Sink(
            window: .milliseconds(100), initialValue: .inactive, edges: .both, now: { 10_000 * Self.ms })
        sink.feed([edge(.rising, atMs: 0), edge(.falling, atMs: 5)])
        sink.feed([edge(.rising, atMs: 10)])
        #expect(try await drain(sink) == [edge(.rising, atMs: 10)])
    }

    @Test("a level that held for the window before the next edge is reported, even in one batch")
    func heldLevelInBatch() async throws {
        let sink = GPIODebouncedEvents.Sink(
            window: .milliseconds(100), initialValue: .inactive, edges: .both, now: { 10_000 * Self.ms })
        // High for 200 ms (reported), a 10 ms low glitch (not), then low from 400 ms (reported by the timer).
        sink.feed([
            edge(.rising, atMs: 0), edge(.falling, atMs: 200), edge(.rising, atMs: 210), edge(.falling, atMs: 400),
        ])
        #expect(try await drain(sink) == [edge(.rising, atMs: 0), edge(.falling, atMs: 400)])
    }

    @Test("a zero window reports every level change at once")
    func zeroWindow() async throws {
        let sink = GPIODebouncedEvents.Sink(window: .zero, initialValue: .inactive, edges: .falling, now: { 0 })
        sink.feed([edge(.rising, atMs: 1), edge(.falling, atMs: 2), edge(.falling, atMs: 3)])
        #expect(try await drain(sink, after: .zero) == [edge(.falling, atMs: 2)])
    }

    @Test("finishing with an error ends the stream with it")
    func failure() async throws {
        struct Broken: Error {}
        let sink = GPIODebouncedEvents.Sink(window: .zero, initialValue: .inactive, edges: .both, now: { 0 })
        sink.finish(throwing: Broken())
        sink.feed([edge(.rising, atMs: 1)])
        await #expect(throws: Broken.self) {
            for try await _ in sink.events {}
        }
        #expect(sink.isFinished)
    }
}
