public import AgentRuntime
import ConfigSchemas
public import ConfigSupport
import DaemonComposition
import Yams

/// The parts lists of the device kinds, by the configuration's `identity.kind`: the kind's `device` section type
/// (`ConfigSchemas.DeviceKinds`, the one table of kinds) lists them through its `PartsInventory` conformance. A
/// configuration of a kind without a row (or whose section lists no parts) is still checked — configuration, files,
/// broker, clock, and every Modbus placement under `hardware` — and its lines and chips are reported as not checked.
public enum PartsInventories {
    /// The `device` section's type of `kind`, when it lists its parts.
    static func inventory(ofKind kind: String) -> (any PartsInventory.Type)? {
        DeviceKinds.named(kind)?.configuration as? any PartsInventory.Type
    }

    /// A loaded configuration: the runtime sections and the parts curbctl found.
    public struct Loaded: Sendable {
        public var agent: AgentConfiguration
        /// Every part the configuration names (for an unknown kind, its Modbus placements only).
        public var parts: [ConfiguredPart]
        /// Whether curbctl has a parts list for the kind (else lines and chips go unchecked).
        public var knowsKind: Bool
    }

    /// Parses `yaml` with the kind's own reader when curbctl knows the kind (every problem with its path, as the
    /// daemon reports it), else with the runtime sections only; Modbus placements anywhere under
    /// `$.device.hardware` are found either way.
    ///
    /// - Throws: `DocumentError` with every problem.
    public static func parse(yaml: String, file: String?) throws(DocumentError) -> Loaded {
        // The kind decides the reader, so it is looked up before the validating parse (which reports everything).
        let root = try? Yams.compose(yaml: yaml)
        let kind = root?.mapping?["identity"]?.mapping?["kind"]?.string ?? ""
        let modbus = root?.mapping?["device"].map(modbusPlacements(in:)) ?? []
        guard let inventory = inventory(ofKind: kind) else {
            let (agent, _) = try AgentConfiguration.parse(yaml: yaml, file: file) { _, node, _ in node ?? Node("") }
            return Loaded(agent: agent, parts: modbus, knowsKind: false)
        }
        let (agent, parts) = try strictParts(inventory, yaml: yaml, file: file)
        let known = Set(parts.map(\.configPath))
        return Loaded(agent: agent, parts: parts + modbus.filter { !known.contains($0.configPath) }, knowsKind: true)
    }

    private static func strictParts<Inventory: PartsInventory>(
        _ type: Inventory.Type, yaml: String, file: String?
    ) throws(DocumentError) -> (AgentConfiguration, [ConfiguredPart]) {
        let (agent, device) = try AgentConfiguration.parse(yaml: yaml, file: file) { reader, node, path in
            Inventory.read(&reader, node, at: path)
        }
        return (agent, device.parts)
    }

    /// Every mapping under `$.device.hardware` with a `unit` and a `serial` or `tcp` key, read as the daemons read
    /// a Modbus placement (`ModbusDeviceSettings`), named by its path below `hardware`.
    static func modbusPlacements(in device: Node) -> [ConfiguredPart] {
        guard let hardware = device.mapping?["hardware"] else { return [] }
        var found: [ConfiguredPart] = []
        func walk(_ node: Node, _ path: JSONPath, _ name: String) {
            if let mapping = node.mapping {
                let keys = Set(mapping.keys.compactMap(\.string))
                if keys.contains("unit"), !keys.isDisjoint(with: ["serial", "tcp"]) {
                    var reader = NodeReader()
                    // modbusd's devices carry their own name beside the placement keys.
                    let placement = Node.mapping(
                        Node.Mapping(
                            mapping.filter {
                                $0.key.string != "name" && $0.key.string != "map" && $0.key.string != "periods_ms"
                            }))
                    if let settings = ModbusDeviceSettings.read(&reader, placement, at: path) {
                        let named = mapping["name"]?.string ?? name
                        found.append(ConfiguredPart(name: named, configPath: "\(path)", kind: .modbus(settings)))
                    }
                    return
                }
                for (key, value) in mapping {
                    guard let key = key.string else { continue }
                    walk(value, path.appending(key), name.isEmpty ? key : "\(name).\(key)")
                }
            } else if let sequence = node.sequence {
                for (index, value) in sequence.enumerated() {
                    walk(value, path.appending(index: index), "\(name)[\(index)]")
                }
            }
        }
        walk(hardware, JSONPath.root.appending("device").appending("hardware"), "")
        return found
    }
}
