import HAL
import Testing

@Suite("Timestamp and CivilDate")
struct TimestampTests {
    @Test("a calendar instant reads back as its date, time of day and RFC 3339 text")
    func calendarRoundTrip() {
        let instant = Timestamp(year: 2026, month: 6, day: 21, hour: 20, minute: 0, second: 31)
        #expect(instant.secondsSinceEpoch == 1_782_072_031)
        #expect(instant.utcDate == CivilDate(year: 2026, month: 6, day: 21))
        #expect(instant.utcSecondsOfDay == 72_031)
        #expect(instant.description == "2026-06-21T20:00:31Z")
        #expect(CivilDate(year: 2024, month: 2, day: 28).adding(days: 1).description == "2024-02-29")
    }

    @Test("arithmetic in seconds and Durations; milliseconds round to nearest")
    func arithmetic() {
        let start = Timestamp(secondsSinceEpoch: 1_764_000_000)
        #expect(start.adding(.milliseconds(1_500)).seconds(since: start) == 1.5)
        #expect(start.adding(seconds: -60) < start)
        #expect(Timestamp(secondsSinceEpoch: 1.2345).millisecondsSinceEpoch == 1_235)
    }
}
