import AgentRuntime
import BoardSupport
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

    /// The board file schema is hand-written except its last definition, `$defs.image` (the `image` section, declared
    /// in ``BoardSupport/BoardImage/section``). `make schemas` writes that part anew.
    public static let boardSchemaFile = "Boards/board.schema.json"

    /// `committed` (the board schema's text) with everything from the `"image"` line of its `$defs` on replaced by
    /// the generated definition; nil when `committed` has no such line.
    public static func boardSchema(splicingInto committed: String) -> String? {
        let lines = committed.split(separator: "\n", omittingEmptySubsequences: false)
        guard let defs = lines.firstIndex(of: "  \"$defs\": {"),
            let start = lines[defs...].firstIndex(of: "    \"image\": {")
        else { return nil }
        let generated = SchemaJSON.object([
            SchemaJSON.Member("$defs", .object([SchemaJSON.Member("image", BoardImage.schema)]))
        ]).rendered
        // Without the generated document's own first two lines (`{` and `"$defs": {`): the definition continues the
        // hand-written `$defs`, and the closing braces end both.
        let definition = generated.split(separator: "\n", omittingEmptySubsequences: false).dropFirst(2)
        return (lines[..<start] + definition).joined(separator: "\n")
    }
}
