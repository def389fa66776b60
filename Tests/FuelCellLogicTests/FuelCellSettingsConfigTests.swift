import ConfigSupport
import FuelCellLogic
import Testing
import Yams

/// The plant's keys and the local limits: read with their units, refused with their paths.
@Suite struct FuelCellSettingsConfigTests {
    static func read<T>(_ yaml: String, _ section: ConfigSection<T>, defaults: T) -> (T?, [String]) {
        var reader = NodeReader()
        let node = try? Yams.compose(yaml: yaml)
        let value = section.read(&reader, node, at: JSONPath.root.appending("device"), defaults: defaults)
        return (value, reader.issues.map(\.description))
    }

    @Test("settings read with units")
    func settings() throws {
        let (settings, issues) = Self.read(
            "{purge_s: 5, warm_up_s: 0, warm_up_kw: 0.5, ramp_kw_per_s: 0.2, start_power_kw: 3, start_timeout_s: 30}",
            FuelCellSettings.section, defaults: FuelCellSettings())
        #expect(issues.isEmpty)
        let read = try #require(settings)
        #expect(read.purge == .seconds(5))
        #expect(read.warmUp == .zero)
        #expect(read.rampKWPerSecond == 0.2)
        #expect(read.startTimeout == .seconds(30))
    }

    @Test("a ramp of zero and an unknown key are refused at their paths")
    func refused() {
        let (_, issues) = Self.read(
            "{ramp_kw_per_s: 0, purge: 3}", FuelCellSettings.section, defaults: FuelCellSettings())
        #expect(issues.contains { $0.hasPrefix("$.device.ramp_kw_per_s: expected number 0.01…1000 kW/s") })
        #expect(issues.contains { $0.hasPrefix("$.device.purge:") && $0.contains("purge_s") })
    }

    @Test("the trip level must lie above the warning level")
    func limits() {
        let (_, issues) = Self.read(
            "{h2_warning_lfl_pct: 15, h2_trip_lfl_pct: 12}", FuelCellLimits.section, defaults: FuelCellLimits())
        #expect(issues.contains { $0.hasPrefix("$.device.h2_trip_lfl_pct: expected above h2_warning_lfl_pct") })
        let (limits, none) = Self.read(
            "{power_ceiling_kw: 4.4, link_lost_ms: 1500}", FuelCellLimits.section, defaults: FuelCellLimits())
        #expect(none.isEmpty)
        #expect(limits?.powerCeilingKW == 4.4)
        #expect(limits?.linkLostAfter == .milliseconds(1500))
    }
}
