/// The structure classes of DIN 4150-3:2016-12, Table 1 ("Anhaltswerte für die Schwinggeschwindigkeit zur
/// Beurteilung der Wirkung von kurzzeitigen Erschütterungen auf Bauwerke"): guideline values of the peak particle
/// velocity for short-term vibration, measured at the foundation, by dominant frequency.
///
/// | Line | Structure                                         | 1–10 Hz | 10–50 Hz | 50–100 Hz | top floor, horizontal |
/// |------|---------------------------------------------------|---------|----------|-----------|-----------------------|
/// | 1    | commercial, industrial and similar buildings      | 20      | 20–40    | 40–50     | 40                    |
/// | 2    | dwellings and buildings of similar design or use  | 5       | 5–15     | 15–20     | 15                    |
/// | 3    | particularly sensitive structures (e.g. listed)   | 3       | 3–8      | 8–10      | 8                     |
///
/// Values in mm/s. Within the 10–50 and 50–100 Hz ranges the value rises linearly with frequency (the standard's
/// Figure 1 curves); above 100 Hz at least the 100 Hz value applies (Table 1, footnote), and this type uses it.
/// Below 1 Hz the table gives nothing; this type keeps the 1–10 Hz value. Sources: DIN 4150-3:2016-12 Table 1
/// (unchanged from the 1999-02 edition), as reproduced by the Bundesverband Geothermie lexicon, "Schadensgrenze
/// (Erschütterungen)", https://www.geothermie.de/bibliothek/lexikon-der-geothermie/s/schadensgrenze-erschuetterungen.html
/// and the innomic VibroMatrix manual, "DIN 4150-3 (bauliche Anlagen)". Meeting the values means damage that
/// reduces the serviceability of the building is not expected; exceeding them does not mean damage occurred.
public enum DIN4150Class: String, CaseIterable, Hashable, Sendable, Codable {
    /// Line 1: buildings used for commercial purposes, industrial buildings and buildings of similar design.
    case line1Commercial = "line1"
    /// Line 2: dwellings and buildings of similar design and/or occupancy.
    case line2Dwellings = "line2"
    /// Line 3: structures that, because of their particular sensitivity to vibration, do not fit lines 1 and 2 and
    /// are of great intrinsic value (e.g. listed buildings).
    case line3Sensitive = "line3"

    /// Foundation guideline values at 10, 50 and 100 Hz (the first is also the value from 1 to 10 Hz), mm/s.
    private var corners: (at10Hz: Double, at50Hz: Double, at100Hz: Double) {
        switch self {
        case .line1Commercial: (20, 40, 50)
        case .line2Dwellings: (5, 15, 20)
        case .line3Sensitive: (3, 8, 10)
        }
    }

    /// The foundation guideline value of the peak particle velocity at the dominant frequency `frequencyHz`, mm/s:
    /// constant below 10 Hz, linear from 10 to 50 Hz and from 50 to 100 Hz, the 100 Hz value above 100 Hz.
    public func guidelinePPV(at frequencyHz: Double) -> Double {
        let (at10, at50, at100) = corners
        switch frequencyHz {
        case ..<10: return at10
        case ..<50: return at10 + (at50 - at10) * (frequencyHz - 10) / 40
        case ..<100: return at50 + (at100 - at50) * (frequencyHz - 50) / 50
        default: return at100
        }
    }

    /// The guideline value for the horizontal velocity in the plane of the uppermost floor, all frequencies, mm/s.
    public var topFloorHorizontalPPV: Double {
        switch self {
        case .line1Commercial: 40
        case .line2Dwellings: 15
        case .line3Sensitive: 8
        }
    }
}
