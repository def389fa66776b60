import StreetlightLogic
import Testing

/// Bands from the Ministry of Environment's 2018-03-27 revision as reported by Korea Bizwire
/// (http://koreabizwire.com/govt-aligns-s-koreas-fine-dust-standards-with-u-s-japan/115270): PM2.5 good 0~15,
/// normal 16~35, bad 36~75, very bad 76 and above (µg/m³); upper bounds inclusive.
@Suite struct AirQualityCategoryTests {
    @Test(arguments: [
        (0.0, AirQualityCategory.good), (15, .good), (15.5, .moderate), (16, .moderate), (35, .moderate),
        (36, .bad), (75, .bad), (75.5, .veryBad), (76, .veryBad), (500, .veryBad),
    ])
    func pm25(value: Double, expected: AirQualityCategory) {
        #expect(AirQualityCategory.forPM25(microgramsPerCubicMeter: value) == expected)
    }

    @Test(arguments: [
        (0.0, AirQualityCategory.good), (30, .good), (31, .moderate), (80, .moderate), (81, .bad), (150, .bad),
        (151, .veryBad),
    ])
    func pm10(value: Double, expected: AirQualityCategory) {
        #expect(AirQualityCategory.forPM10(microgramsPerCubicMeter: value) == expected)
    }

    @Test func overallIsTheWorseOfTheTwo() {
        #expect(AirQualityCategory.overall(pm25MicrogramsPerCubicMeter: 10, pm10MicrogramsPerCubicMeter: 90) == .bad)
        #expect(
            AirQualityCategory.overall(pm25MicrogramsPerCubicMeter: 80, pm10MicrogramsPerCubicMeter: 20) == .veryBad)
        #expect(AirQualityCategory.overall(pm25MicrogramsPerCubicMeter: 15, pm10MicrogramsPerCubicMeter: 30) == .good)
        #expect(AirQualityCategory.veryBad.description == "very-bad")
    }
}
