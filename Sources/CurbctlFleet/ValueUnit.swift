/// The unit of a telemetry or event value, read from its name: the contract's value names carry their unit
/// (`Firmware-config/schema/telemetry.schema.json`: `temperature_c`, `pm2_5_ugm3`, `uptime_s`), so a reader needs no
/// table per stream. `x_rms_m_s2` is `x_rms` in m/s².
public struct ValueUnit: Sendable, Hashable {
    /// The name without its unit suffix (`temperature` for `temperature_c`).
    public var quantity: String
    /// The unit as people write it (`°C`), empty when the name carries none.
    public var symbol: String

    /// Suffixes, longest first so `_m_s2` wins over `_s2`… and `_mm_s` over `_s`.
    static let suffixes: [(suffix: String, symbol: String)] = [
        ("_m2_s4", "m²/s⁴"), ("_m_s2", "m/s²"), ("_mm_s", "mm/s"), ("_ugm3", "µg/m³"), ("_percent", "%"),
        ("_bytes", "B"), ("_ohms", "Ω"), ("_kwh", "kWh"), ("_hpa", "hPa"), ("_deg", "°"), ("_pct", "%"),
        ("_ppm", "ppm"), ("_wh", "Wh"), ("_kw", "kW"), ("_hz", "Hz"), ("_ms", "ms"), ("_mm", "mm"), ("_pa", "Pa"),
        ("_ma", "mA"), ("_lx", "lx"), ("_c", "°C"), ("_s", "s"), ("_w", "W"), ("_v", "V"), ("_a", "A"), ("_g", "g"),
        ("_m", "m"),
    ]

    /// Names that are their own unit.
    static let bare: [String: String] = ["lux": "lx"]

    /// The quantity and unit a value name carries; no unit when its name has no known suffix.
    public init(name: String) {
        if let symbol = Self.bare[name] {
            quantity = name
            self.symbol = symbol
            return
        }
        for (suffix, symbol) in Self.suffixes where name.hasSuffix(suffix) && name.count > suffix.count {
            quantity = String(name.dropLast(suffix.count))
            self.symbol = symbol
            return
        }
        quantity = name
        symbol = ""
    }
}
