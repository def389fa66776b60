/// A frequency band for the band energies of a window, `lowerHz ..< upperHz` (no upper bound: up to Nyquist).
public struct FrequencyBand: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Lowest frequency in the band, hertz (inclusive).
    public var lowerHz: Double
    /// Frequency the band stops below, hertz (exclusive); nil: up to the Nyquist frequency.
    public var upperHz: Double?

    /// The band `lowerHz ..< upperHz`.
    public init(lowerHz: Double, upperHz: Double?) {
        self.lowerHz = lowerHz
        self.upperHz = upperHz
    }

    /// Whether `frequencyHz` falls in the band.
    public func contains(_ frequencyHz: Double) -> Bool {
        frequencyHz >= lowerHz && (upperHz.map { frequencyHz < $0 } ?? true)
    }

    /// 1–10, 10–50, 50–100 and 100+ Hz: the frequency ranges of DIN 4150-3 Table 1, plus everything above.
    public static let defaults = [
        FrequencyBand(lowerHz: 1, upperHz: 10), FrequencyBand(lowerHz: 10, upperHz: 50),
        FrequencyBand(lowerHz: 50, upperHz: 100), FrequencyBand(lowerHz: 100, upperHz: nil),
    ]

    /// `10–50 Hz` or `100+ Hz`.
    public var description: String {
        upperHz.map { "\(Self.format(lowerHz))–\(Self.format($0)) Hz" } ?? "\(Self.format(lowerHz))+ Hz"
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
