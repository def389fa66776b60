/// The current a detachable cable assembly is rated for, coded by the resistor between proximity pilot (PP) and PE in
/// its plug: IEC 61851-1:2017 Annex B (B.2, as IEC 62196-2 codes it): 1.5 kΩ → 13 A, 680 Ω → 20 A, 220 Ω → 32 A,
/// 100 Ω → 63 A. The bands between the coded values are this project's choice (geometric midpoints), not the
/// standard's tolerance table; see `Sources/chargerd/README.md`.
public enum CableRating {
    public static let codes: [(ohms: ClosedRange<Double>, amps: Double)] = [
        (50...150, 63), (150...390, 32), (390...1_000, 20), (1_000...2_700, 13),
    ]

    /// The rating for a measured PP resistance; nil for no cable (open), a short, or a value between bands.
    public static func amps(forOhms ohms: Double) -> Double? {
        codes.first { $0.ohms.contains(ohms) }?.amps
    }
}
