public import AgentRuntime
import ChargerDevice
import CrosswalkDevice
import FuelCellDevice
import ModbusBridgeDevice
import StreetlightDevice
import VibrationDevice

/// The device kinds, one row per daemon of `Tools/daemons` that drives a device: the identity's `kind`, the daemon
/// and its `device` section's type. The one list of them in Swift: the schemas (`ConfigSchemas.documents`),
/// `curbctl config`'s local validation (`problems(kind:device:)`) and `curbctl check`'s parts lists
/// (`CurbctlDevice.PartsInventories`) are all read from it, and a test holds every `Tools/daemons` row to a row here.
///
/// It lives beside the schemas because this module already depends on exactly the device modules whose sections it
/// names: curbctl's fleet side validates a configuration without linking the chip probes and bus helpers the
/// device side adds.
public enum DeviceKinds {
    public struct Kind: Sendable {
        /// The identity's `kind` (`streetlight`, `fuel-cell`): the `{kind}` topic segment.
        public var kind: String
        /// The daemon running devices of this kind (`streetlightd`), as `Tools/daemons` names it.
        public var daemon: String
        /// The `device` section's type, with its reader, defaults and schema.
        public var configuration: any DeclaredDeviceConfiguration.Type
    }

    /// Every kind, in `Tools/daemons` order. A new daemon adds its row.
    public static let all: [Kind] = [
        Kind(kind: "streetlight", daemon: "streetlightd", configuration: StreetlightConfiguration.self),
        Kind(kind: "vibration", daemon: "vibrationd", configuration: VibrationConfiguration.self),
        Kind(kind: "crosswalk", daemon: "crosswalkd", configuration: CrosswalkConfiguration.self),
        Kind(kind: "modbus", daemon: "modbusd", configuration: ModbusdConfiguration.self),
        Kind(kind: "charger", daemon: "chargerd", configuration: ChargerConfiguration.self),
        Kind(kind: "fuel-cell", daemon: "fuelcelld", configuration: FuelCellConfiguration.self),
    ]

    /// The row of `kind` (the identity's `kind`), when there is one.
    public static func named(_ kind: String) -> Kind? { all.first { $0.kind == kind } }

    /// The kinds, sorted.
    public static var known: [String] { all.map(\.kind).sorted() }

    /// The daemon that runs devices of `kind`, when known.
    public static func daemon(ofKind kind: String) -> String? { named(kind)?.daemon }

    /// The problems of `device` (a `device` section) for a device of `kind`, each with its path under
    /// `$.config.device`, checked exactly as the daemon checks it on `config/desired`
    /// (`DesiredSettingsReader.validate(desired:)`) except for the comparison with the device's local `hardware`
    /// section, which only the device knows; nil when there is no row for the kind (the device still validates it).
    public static func problems(kind: String, device: JSONValue) -> [String]? {
        named(kind).map { problems(of: $0.configuration, in: ["device": device]) }
    }

    private static func problems<Configuration: DeviceConfiguration>(
        of type: Configuration.Type, in config: JSONValue
    ) -> [String] {
        switch DeviceSectionReader<Configuration>(local: nil).validate(desired: config) {
        case .success: []
        case .failure(let failure): failure.errors
        }
    }
}
