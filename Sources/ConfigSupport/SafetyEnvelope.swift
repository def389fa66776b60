public import Yams

/// A local safety envelope: a bound from a device's local-only `hardware` section that no command and no remote
/// configuration may cross (streetlightd's night floor, chargerd's current ceiling, fuelcelld's power and ramp
/// ceilings). Commands and configuration readers refuse with the same words, naming the envelope and both values:
/// `40.0 A is above the local safety envelope device.hardware.ceiling_a (32.0 A)`.
public struct SafetyEnvelope: Sendable, Hashable {
    /// Which side of `bound` is allowed.
    public enum Side: Sendable, Hashable {
        /// Values at or above the bound (a minimum level).
        case floor
        /// Values at or below the bound (a maximum current, power or ramp).
        case ceiling
    }

    /// The key refusals cite, as written in the file: `device.hardware.ceiling_a`.
    public var name: String
    public var bound: Double
    /// Printed after each value (`A`, `kW/s`, `%`).
    public var unit: String
    public var side: Side

    /// The envelope `name` holding values on `side` of `bound`, in `unit`.
    public init(_ name: String, _ side: Side, _ bound: Double, unit: String) {
        self.name = name
        self.side = side
        self.bound = bound
        self.unit = unit
    }

    /// Why `value` breaks the envelope, or nil when it keeps it. Not-a-number is left to the caller's own range check.
    public func refusal(_ value: Double) -> String? {
        switch side {
        case .floor:
            guard value < bound else { return nil }
            return
                "\(Self.format(value)) \(unit) is below the local safety envelope \(name) (\(Self.format(bound)) \(unit))"
        case .ceiling:
            guard value > bound else { return nil }
            return
                "\(Self.format(value)) \(unit) is above the local safety envelope \(name) (\(Self.format(bound)) \(unit))"
        }
    }

    /// Records the refusal of `value` at `path` (`node`: where it stands in the file, for the line number); false
    /// when the value breaks the envelope.
    public func check(_ value: Double, at path: JSONPath, node: Node?, reader: inout NodeReader) -> Bool {
        guard let refusal = refusal(value) else { return true }
        reader.report(
            .invalidValue, at: path, expected: "a value within the local safety envelope", found: refusal, node: node)
        return false
    }

    /// Checks the value of `key` in the mapping `section` at `path` when the file gives that key. A key left out takes
    /// its default, which the device's logic still holds to the envelope at run time, so a file that lowers an envelope
    /// need not repeat every default below it.
    public func checkGiven(
        _ value: Double, key: String, of section: Node?, at path: JSONPath, reader: inout NodeReader
    ) -> Bool {
        guard case .mapping(let mapping)? = section, let given = mapping[key] else { return true }
        return check(value, at: path.appending(key), node: given, reader: &reader)
    }

    /// At most three decimals, so 19.99 below 20 does not print as "20.0 is below 20.0".
    private static func format(_ value: Double) -> String {
        "\((value * 1_000).rounded() / 1_000)"
    }
}
