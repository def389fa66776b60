import HAL
import Testing

/// `GPIOEdgeFanout` on its own: what a subscriber starts from, and the bounded queue.
@Suite("GPIO edge fanout")
struct GPIOEdgeFanoutTests {
    static func subscribe(
        _ fanout: GPIOEdgeFanout<GPIODebouncedEvents.Sink>, levelNow: GPIOValue
    ) -> AsyncThrowingStream<GPIOEdgeEvent, any Error>? {
        GPIODebouncedEvents.Sink.subscribing(
            fanout, GPIOInputConfiguration(consumer: "test", edges: .both), now: { 0 }, level: { levelNow }
        )?.events
    }

    @Test("an edge still on its way when events() subscribes is judged against the level before it, not after")
    func edgeInFlight() async throws {
        let fanout = GPIOEdgeFanout<GPIODebouncedEvents.Sink>(level: .inactive)
        // The line is already high (a read now says so) but its rising edge has not been fed yet, as when it is
        // still in the kernel's queue.
        let events = try #require(Self.subscribe(fanout, levelNow: .active))
        fanout.feed(CollectionOfOne(GPIOEdgeEvent(kind: .rising, timestampNanoseconds: 10)))
        fanout.finish()
        var kinds: [GPIOEdgeEvent.Kind] = []
        for try await event in events { kinds.append(event.kind) }
        #expect(kinds == [.rising])
    }

    @Test("queued edges go to the next subscriber only; once ended it takes no subscriber and no edge")
    func queueAndEnd() async throws {
        let fanout = GPIOEdgeFanout<GPIODebouncedEvents.Sink>()
        let edges = (0..<20).map {
            GPIOEdgeEvent(kind: $0 % 2 == 0 ? .rising : .falling, timestampNanoseconds: UInt64($0 + 1))
        }
        fanout.feed(edges)
        #expect(fanout.droppedEdges == 20 - GPIOEdgeFanout<GPIODebouncedEvents.Sink>.pendingLimit)
        let first = try #require(Self.subscribe(fanout, levelNow: .active))
        let second = try #require(Self.subscribe(fanout, levelNow: .active))
        fanout.finish()
        var firstKinds: [GPIOEdgeEvent.Kind] = []
        for try await event in first { firstKinds.append(event.kind) }
        var secondCount = 0
        for try await _ in second { secondCount += 1 }
        #expect(firstKinds == edges.prefix(16).map(\.kind))
        #expect(secondCount == 0)
        #expect(Self.subscribe(fanout, levelNow: .active) == nil)
    }
}
