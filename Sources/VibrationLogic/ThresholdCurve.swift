/// The PPV alarm limit as a function of the dominant frequency: a DIN 4150-3 structure class or custom points.
public enum ThresholdCurve: Hashable, Sendable, Codable {
    /// The foundation guideline values of a DIN 4150-3 Table 1 line.
    case din4150(DIN4150Class)
    /// A curve through `points` (sorted by frequency), linear between them and flat beyond the first and last.
    case custom([ThresholdPoint])

    /// The limit at the dominant frequency `frequencyHz`, mm/s.
    public func limit(at frequencyHz: Double) -> Double {
        switch self {
        case .din4150(let structureClass):
            return structureClass.guidelinePPV(at: frequencyHz)
        case .custom(let points):
            guard let first = points.first, let last = points.last else { return .infinity }
            if frequencyHz <= first.frequencyHz { return first.ppvMillimetersPerSecond }
            if frequencyHz >= last.frequencyHz { return last.ppvMillimetersPerSecond }
            for (lower, upper) in zip(points, points.dropFirst()) where frequencyHz < upper.frequencyHz {
                let fraction = (frequencyHz - lower.frequencyHz) / (upper.frequencyHz - lower.frequencyHz)
                return lower.ppvMillimetersPerSecond
                    + fraction * (upper.ppvMillimetersPerSecond - lower.ppvMillimetersPerSecond)
            }
            return last.ppvMillimetersPerSecond
        }
    }
}

/// One point of a custom threshold curve.
public struct ThresholdPoint: Hashable, Sendable, Codable {
    /// Dominant frequency, hertz.
    public var frequencyHz: Double
    /// Peak particle velocity limit at that frequency, mm/s.
    public var ppvMillimetersPerSecond: Double

    /// The limit `ppvMillimetersPerSecond` at `frequencyHz`.
    public init(frequencyHz: Double, ppvMillimetersPerSecond: Double) {
        self.frequencyHz = frequencyHz
        self.ppvMillimetersPerSecond = ppvMillimetersPerSecond
    }
}
