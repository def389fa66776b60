public import AgentRuntime
import ChargerDevice
import ConfigSupport
import CrosswalkDevice
import ModbusBridgeDevice
import StreetlightDevice
import VibrationDevice

/// The device kinds `curbctl` can validate a `device` section for, with the daemons' own readers: a configuration
/// is checked here exactly as the daemon checks it on `config/desired` (`DesiredSettingsReader.validate(desired:)`),
/// except for the comparison with the device's local `hardware` section, which only the device knows.
public enum DeviceKinds {
    /// Kind (the identity's `kind` segment) → its daemon and `device` section reader. A new daemon adds its row.
    static let validators: [String: (daemon: String, validate: @Sendable (JSONValue) -> [String])] = [
        "streetlight": ("streetlightd", check(StreetlightConfiguration.self)),
        "vibration": ("vibrationd", check(VibrationConfiguration.self)),
        "crosswalk": ("crosswalkd", check(CrosswalkConfiguration.self)),
        "modbus": ("modbusd", check(ModbusdConfiguration.self)),
        "charger": ("chargerd", check(ChargerConfiguration.self)),
    ]

    /// The kinds with a local validator.
    public static var known: [String] { validators.keys.sorted() }

    /// The daemon that runs devices of `kind`, when known.
    public static func daemon(ofKind kind: String) -> String? { validators[kind]?.daemon }

    /// The problems of `device` (a `device` section) for a device of `kind`, each with its path under
    /// `$.config.device`; nil when `curbctl` has no validator for the kind (the device still validates it).
    public static func problems(kind: String, device: JSONValue) -> [String]? {
        validators[kind].map { $0.validate(["device": device]) }
    }

    private static func check<Configuration: DeviceConfiguration>(
        _ type: Configuration.Type
    ) -> @Sendable (JSONValue) -> [String] {
        { config in
            switch DeviceSectionReader<Configuration>(local: nil).validate(desired: config) {
            case .success: []
            case .failure(let failure): failure.errors
            }
        }
    }
}
