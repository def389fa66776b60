import HAL
import StreetlightLogic
import Testing

/// Published sunrise/sunset times; NOAA claims about a minute, publishers round to the minute, and the exact point
/// and elevation used by each publisher is not stated, so the tolerance is ±2 minutes.
@Suite struct SolarCalculatorTests {
    static let toleranceSeconds = 120.0
    // Seoul City Hall: KASI's reference point for "Seoul" (Chosun Ilbo, 2016-12-24).
    static let seoul = SolarCalculator(latitudeDegrees: 37.5665, longitudeDegrees: 126.9780)
    static let london = SolarCalculator(latitudeDegrees: 51.5074, longitudeDegrees: -0.1278)
    static let tromso = SolarCalculator(latitudeDegrees: 69.6492, longitudeDegrees: 18.9553)

    func expectNear(_ crossing: SolarCrossing, _ expected: Timestamp, sourceLocation: SourceLocation = #_sourceLocation)
    {
        guard let actual = crossing.timestamp else {
            Issue.record("expected \(expected), got \(crossing)", sourceLocation: sourceLocation)
            return
        }
        #expect(
            abs(actual.seconds(since: expected)) <= Self.toleranceSeconds, "got \(actual), published \(expected)",
            sourceLocation: sourceLocation)
    }

    /// Korea Astronomy and Space Science Institute (KASI) via the Korea Herald, 2025-12-24
    /// (https://www.koreaherald.com/article/10643322): "In Seoul, the sun will rise at 7:47 a.m." on 2026-01-01 KST,
    /// i.e. 2025-12-31T22:47Z.
    @Test func seoulNewYear2026Sunrise() {
        expectNear(
            Self.seoul.day(CivilDate(year: 2026, month: 1, day: 1)).sunrise,
            Timestamp(year: 2025, month: 12, day: 31, hour: 22, minute: 47))
    }

    /// KASI via Dong-A Ilbo, 2023-12-19 (https://donga.com/news/People/article/all/20231219/122683844/1): Seoul sunset
    /// on 2023-12-31 at 5:23 p.m. KST, i.e. 08:23Z.
    @Test func seoulLastSunset2023() {
        expectNear(
            Self.seoul.day(CivilDate(year: 2023, month: 12, day: 31)).sunset,
            Timestamp(year: 2023, month: 12, day: 31, hour: 8, minute: 23))
    }

    /// Steve Owens, Dark Sky Diary via meteorwatch.org (https://meteorwatch.org/happy-spring-equilux/): London on
    /// 2011-03-18, sunrise 06:09 and sunset 18:09 GMT.
    @Test func londonSpringEquilux2011() {
        let day = Self.london.day(CivilDate(year: 2011, month: 3, day: 18))
        expectNear(day.sunrise, Timestamp(year: 2011, month: 3, day: 18, hour: 6, minute: 9))
        expectNear(day.sunset, Timestamp(year: 2011, month: 3, day: 18, hour: 18, minute: 9))
    }

    /// jpc0604.wordpress.com "Equinox – again!" (https://jpc0604.wordpress.com/2013/03/20/equinox-again/): London on
    /// 2013-03-18 from 6.08 am to 6.10 pm GMT.
    @Test func london2013March18() {
        let day = Self.london.day(CivilDate(year: 2013, month: 3, day: 18))
        expectNear(day.sunrise, Timestamp(year: 2013, month: 3, day: 18, hour: 6, minute: 8))
        expectNear(day.sunset, Timestamp(year: 2013, month: 3, day: 18, hour: 18, minute: 10))
    }

    /// reachtheworld.org, "Week in Tromsø" (https://reachtheworld.org/jamies-journey-norway/logbook/week-troms%C3%B8/nature-news?page=2):
    /// the sun does not set between May 20 and July 22 and does not rise between November 21 and January 21.
    @Test func tromsoMidnightSunAndPolarNight() {
        let june = Self.tromso.day(CivilDate(year: 2026, month: 6, day: 21))
        #expect(june.sunrise == .neverBelow)
        #expect(june.sunset == .neverBelow)
        #expect(june.sunrise.timestamp == nil)
        let december = Self.tromso.day(CivilDate(year: 2026, month: 12, day: 21))
        #expect(december.sunrise == .neverAbove)
        #expect(december.sunset == .neverAbove)
        // Civil twilight still happens in the polar night at 69.6° N: the sun reaches −3° at noon.
        #expect(december.civilDawn.timestamp != nil)
        #expect(december.civilDusk.timestamp != nil)
        // Well outside both periods there is an ordinary day.
        let march = Self.tromso.day(CivilDate(year: 2026, month: 3, day: 20))
        #expect(march.sunrise.timestamp != nil && march.sunset.timestamp != nil)
    }

    /// Civil twilight brackets sunrise and sunset by roughly half an hour at mid-latitudes.
    @Test func civilTwilightBracketsSunriseAndSunset() throws {
        let day = Self.seoul.day(CivilDate(year: 2026, month: 6, day: 21))
        let dawn = try #require(day.civilDawn.timestamp)
        let sunrise = try #require(day.sunrise.timestamp)
        let sunset = try #require(day.sunset.timestamp)
        let dusk = try #require(day.civilDusk.timestamp)
        #expect(dawn < sunrise && sunrise < day.solarNoon && day.solarNoon < sunset && sunset < dusk)
        #expect((20 * 60...40 * 60).contains(sunrise.seconds(since: dawn)))
        #expect((20 * 60...40 * 60).contains(dusk.seconds(since: sunset)))
        // Seoul's sunrise on its local date 2026-06-21 is on the previous UTC date.
        #expect(sunrise.utcDate == CivilDate(year: 2026, month: 6, day: 20))
    }

    @Test func civilDateRoundTrips() {
        for days in stride(from: -800_000, through: 800_000, by: 997) {
            #expect(CivilDate(daysSinceEpoch: days).daysSinceEpoch == days)
        }
        #expect(CivilDate(year: 2026, month: 3, day: 1).adding(days: -1) == CivilDate(year: 2026, month: 2, day: 28))
        #expect(
            Timestamp(year: 2026, month: 6, day: 21, hour: 20, minute: 0, second: 31).description
                == "2026-06-21T20:00:31Z")
    }
}
