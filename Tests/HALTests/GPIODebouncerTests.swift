import HAL
import Testing

/// The debouncer as a pure state machine: every timestamp is given, nothing sleeps.
@Suite("GPIODebouncer")
struct GPIODebouncerTests {
    static let ms: UInt64 = 1_000_000

    func edge(_ kind: GPIOEdgeEvent.Kind, atMs ms: UInt64) -> GPIOEdgeEvent {
        GPIOEdgeEvent(kind: kind, timestampNanoseconds: ms * Self.ms)
    }

    @Test("a clean edge is reported once the window has passed, with the edge's timestamp")
    func cleanEdge() {
        var debouncer = GPIODebouncer(window: .milliseconds(10), initialValue: .inactive)
        #expect(debouncer.nextDeadlineNanoseconds == nil)
        debouncer.feed(edge(.rising, atMs: 100))
        #expect(debouncer.nextDeadlineNanoseconds == 110 * Self.ms)
        #expect(debouncer.tick(nowNanoseconds: 109 * Self.ms) == nil)
        #expect(debouncer.tick(nowNanoseconds: 110 * Self.ms) == edge(.rising, atMs: 100))
        #expect(debouncer.stableValue == .active)
        #expect(debouncer.nextDeadlineNanoseconds == nil)
        #expect(debouncer.tick(nowNanoseconds: 500 * Self.ms) == nil)
    }

    @Test("bounces inside the window restart it and give exactly one event")
    func bounces() {
        var debouncer = GPIODebouncer(window: .milliseconds(10), initialValue: .inactive)
        debouncer.feed(edge(.rising, atMs: 100))
        debouncer.feed(edge(.falling, atMs: 102))
        #expect(debouncer.tick(nowNanoseconds: 103 * Self.ms) == nil)
        debouncer.feed(edge(.rising, atMs: 104))
        debouncer.feed(edge(.falling, atMs: 105))
        debouncer.feed(edge(.rising, atMs: 107))
        #expect(debouncer.nextDeadlineNanoseconds == 117 * Self.ms)
        #expect(debouncer.tick(nowNanoseconds: 112 * Self.ms) == nil)
        #expect(debouncer.tick(nowNanoseconds: 117 * Self.ms) == edge(.rising, atMs: 107))
        #expect(debouncer.tick(nowNanoseconds: 200 * Self.ms) == nil)
    }

    @Test("a glitch that returns to the reported level gives no event")
    func glitch() {
        var debouncer = GPIODebouncer(window: .milliseconds(10), initialValue: .active)
        debouncer.feed(edge(.falling, atMs: 50))
        debouncer.feed(edge(.rising, atMs: 53))
        #expect(debouncer.nextDeadlineNanoseconds == nil)
        #expect(debouncer.tick(nowNanoseconds: 1_000 * Self.ms) == nil)
        #expect(debouncer.stableValue == .active)
    }

    @Test("a late tick still reports the level, once")
    func lateTick() {
        var debouncer = GPIODebouncer(window: .milliseconds(5), initialValue: .active)
        debouncer.feed(edge(.falling, atMs: 10))
        #expect(debouncer.tick(nowNanoseconds: 900 * Self.ms) == edge(.falling, atMs: 10))
        #expect(debouncer.tick(nowNanoseconds: 901 * Self.ms) == nil)
    }

    @Test("edge filtering: a rising-only line tracks falls silently")
    func risingOnly() {
        var debouncer = GPIODebouncer(window: .milliseconds(5), initialValue: .inactive, edges: .rising)
        debouncer.feed(edge(.rising, atMs: 0))
        #expect(debouncer.tick(nowNanoseconds: 5 * Self.ms) == edge(.rising, atMs: 0))
        debouncer.feed(edge(.falling, atMs: 10))
        #expect(debouncer.tick(nowNanoseconds: 20 * Self.ms) == nil)
        #expect(debouncer.stableValue == .inactive)
        debouncer.feed(edge(.rising, atMs: 30))
        #expect(debouncer.tick(nowNanoseconds: 40 * Self.ms) == edge(.rising, atMs: 30))
    }

    @Test("window zero passes every level change through and collapses repeats")
    func zeroWindow() {
        var debouncer = GPIODebouncer(window: .zero, initialValue: .inactive)
        debouncer.feed(edge(.rising, atMs: 1))
        #expect(debouncer.nextDeadlineNanoseconds == 1 * Self.ms)
        #expect(debouncer.tick(nowNanoseconds: 1 * Self.ms) == edge(.rising, atMs: 1))
        debouncer.feed(edge(.rising, atMs: 2))
        #expect(debouncer.tick(nowNanoseconds: 2 * Self.ms) == nil)
    }

    @Test("the async adapter turns a bounce burst into one event", .timeLimit(.minutes(1)))
    func adapter() async throws {
        let (raw, input) = AsyncThrowingStream.makeStream(of: GPIOEdgeEvent.self)
        let clock = ContinuousClock()
        let start = clock.now
        let now: @Sendable () -> UInt64 = {
            UInt64((ContinuousClock.now - start).totalNanoseconds)
        }
        let events = GPIODebouncedEvents.debounce(
            raw, window: .milliseconds(30), initialValue: .inactive, edges: .both, now: now)
        // One instant for the whole burst: stamped with now() each, a descheduled test could spread it wider than
        // the window, and a fixed sleep before finish() (which drops the pending event) could end before the timer.
        let burst = now()
        for kind in [GPIOEdgeEvent.Kind.rising, .falling, .rising, .falling, .rising] {
            input.yield(GPIOEdgeEvent(kind: kind, timestampNanoseconds: burst))
        }
        var settled = events.makeAsyncIterator()
        var received: [GPIOEdgeEvent.Kind] = []
        if let first = try await settled.next() { received.append(first.kind) }
        // Then a quiet while, to catch an extra event the burst might have left behind.
        try await Task.sleep(for: .milliseconds(150))
        input.finish()
        while let event = try await settled.next() { received.append(event.kind) }
        #expect(received == [.rising])
    }
}
