import Testing
import VibrationLogic

@Suite struct DIN4150ClassTests {
    /// DIN 4150-3:2016 Table 1 at the band edges: (frequency, line 1, line 2, line 3) in mm/s.
    static let edges: [(hz: Double, line1: Double, line2: Double, line3: Double)] = [
        (1, 20, 5, 3), (5, 20, 5, 3), (10, 20, 5, 3), (50, 40, 15, 8), (100, 50, 20, 10), (250, 50, 20, 10),
    ]

    @Test func tableValuesAtTheBandEdges() {
        for edge in Self.edges {
            #expect(DIN4150Class.line1Commercial.guidelinePPV(at: edge.hz) == edge.line1)
            #expect(DIN4150Class.line2Dwellings.guidelinePPV(at: edge.hz) == edge.line2)
            #expect(DIN4150Class.line3Sensitive.guidelinePPV(at: edge.hz) == edge.line3)
        }
    }

    @Test func linearInsideABand() {
        #expect(DIN4150Class.line2Dwellings.guidelinePPV(at: 30) == 10)
        #expect(DIN4150Class.line2Dwellings.guidelinePPV(at: 75) == 17.5)
        #expect(DIN4150Class.line1Commercial.guidelinePPV(at: 30) == 30)
        #expect(DIN4150Class.line1Commercial.guidelinePPV(at: 75) == 45)
        #expect(DIN4150Class.line3Sensitive.guidelinePPV(at: 30) == 5.5)
        #expect(DIN4150Class.line3Sensitive.guidelinePPV(at: 75) == 9)
        // Continuous just either side of 50 Hz.
        #expect(abs(DIN4150Class.line2Dwellings.guidelinePPV(at: 49.999) - 15) < 0.001)
    }

    @Test func topFloorHorizontalValues() {
        #expect(DIN4150Class.line1Commercial.topFloorHorizontalPPV == 40)
        #expect(DIN4150Class.line2Dwellings.topFloorHorizontalPPV == 15)
        #expect(DIN4150Class.line3Sensitive.topFloorHorizontalPPV == 8)
    }

    @Test func customCurveInterpolatesAndIsFlatOutside() {
        let curve = ThresholdCurve.custom([
            ThresholdPoint(frequencyHz: 10, ppvMillimetersPerSecond: 2),
            ThresholdPoint(frequencyHz: 40, ppvMillimetersPerSecond: 8),
        ])
        #expect(curve.limit(at: 1) == 2)
        #expect(curve.limit(at: 25) == 5)
        #expect(curve.limit(at: 400) == 8)
        #expect(ThresholdCurve.din4150(.line2Dwellings).limit(at: 30) == 10)
    }
}
