import AgentRuntime
public import ConfigSupport
import ModbusBridgeLogic

/// The configuration JSON Schemas, generated from the Swift declarations of every key (``ConfigSection``), by file
/// name under `Firmware-config/schema/`. `make schemas` writes them; the drift test compares them with the files.
public enum ConfigSchemas {
    /// Where the generated files live, relative to the package root.
    public static let folder = "Firmware-config/schema"

    /// Each schema file's name and content.
    public static var documents: [(file: String, schema: SchemaJSON)] {
        let sections = DeviceKinds.all.map {
            (file: "\($0.daemon)-device.schema.json", schema: $0.configuration.schema(daemon: $0.daemon))
        }
        let others = [
            (file: "agent-config.schema.json", schema: AgentConfiguration.schema),
            // Not a configuration section but the register-map files modbusd's devices name.
            (file: "modbus-map.schema.json", schema: RegisterMap.schema),
        ]
        return (others + sections).sorted { $0.file < $1.file }
    }
}
