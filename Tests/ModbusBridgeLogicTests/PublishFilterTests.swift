import ModbusBridgeLogic
import Testing

@Suite("Publish filter and link supervisor")
struct PublishFilterTests {
    @Test("first poll publishes; changes within the deadband do not; beyond it or at the heartbeat they do")
    func deadband() {
        var filter = PublishFilter(deadbands: ["v": 0.5, "n": 0], heartbeat: .seconds(60))
        func publishes(_ values: [String: PointValue], at time: Duration) -> Bool {
            filter.shouldPublish(values, at: time)
        }
        #expect(publishes(["v": .number(230), "n": .integer(1)], at: .seconds(0)))
        #expect(!publishes(["v": .number(230.4), "n": .integer(1)], at: .seconds(1)))
        // Drift accumulates against the last published value, not the last read.
        #expect(publishes(["v": .number(230.6), "n": .integer(1)], at: .seconds(2)))
        #expect(publishes(["v": .number(230.6), "n": .integer(2)], at: .seconds(3)))
        #expect(!publishes(["v": .number(230.6), "n": .integer(2)], at: .seconds(62)))
        #expect(publishes(["v": .number(230.6), "n": .integer(2)], at: .seconds(63)))
        #expect(publishes(["v": .number(230.6), "s": .string("x")], at: .seconds(64)))
    }

    @Test("offline after N failures in a row, backoff doubling to its maximum, online at the next answer")
    func backoff() {
        var link = LinkSupervisor(offlineAfter: 2, initialBackoff: .seconds(1), maximumBackoff: .seconds(4))
        func failed(at time: Duration) -> LinkSupervisor.Transition? { link.failed(at: time) }
        func answered() -> LinkSupervisor.Transition? { link.answered() }
        #expect(failed(at: .seconds(0)) == nil)
        #expect(link.mayPoll(at: .seconds(0)))
        #expect(failed(at: .seconds(1)) == .wentOffline)
        #expect(!link.mayPoll(at: .milliseconds(1_999)))
        #expect(link.mayPoll(at: .seconds(2)))
        #expect(failed(at: .seconds(2)) == nil)
        #expect(link.nextAttempt == .seconds(4))
        #expect(failed(at: .seconds(4)) == nil)
        #expect(link.nextAttempt == .seconds(8))
        #expect(failed(at: .seconds(8)) == nil)
        #expect(link.backoff == .seconds(4))
        #expect(answered() == .wentOnline)
        #expect(link.mayPoll(at: .seconds(8)))
        #expect(answered() == nil)
        #expect(link.consecutiveFailures == 0)
    }
}
