import AgentRuntime
import ChargerDevice
public import ConfigSupport
import CrosswalkDevice
import ModbusBridgeDevice
import ModbusBridgeLogic
import StreetlightDevice
import VibrationDevice

/// The configuration JSON Schemas, generated from the Swift declarations of every key (``ConfigSection``), by file
/// name under `Firmware-config/schema/`. `make schemas` writes them; the drift test compares them with the files.
public enum ConfigSchemas {
    /// Where the generated files live, relative to the package root.
    public static let folder = "Firmware-config/schema"

    /// Each schema file's name and content.
    public static var documents: [(file: String, schema: SchemaJSON)] {
        [
            ("agent-config.schema.json", AgentConfiguration.schema),
            ("chargerd-device.schema.json", ChargerConfiguration.schema(daemon: "chargerd")),
            ("crosswalkd-device.schema.json", CrosswalkConfiguration.schema(daemon: "crosswalkd")),
            ("modbusd-device.schema.json", ModbusdConfiguration.schema(daemon: "modbusd")),
            // Not a configuration section but the register-map files modbusd's devices name.
            ("modbus-map.schema.json", RegisterMap.schema),
            ("streetlightd-device.schema.json", StreetlightConfiguration.schema(daemon: "streetlightd")),
            ("vibrationd-device.schema.json", VibrationConfiguration.schema(daemon: "vibrationd")),
        ]
    }
}
