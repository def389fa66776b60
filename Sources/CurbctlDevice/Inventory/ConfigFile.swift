public import AgentRuntime
public import ConfigSupport
import FoundationEssentials

/// A daemon configuration file as curbctl reads it: validated like the daemon validates it (every problem with its
/// path), with the board path resolved against the file's folder — but without refusing the file for missing or
/// exposed TLS files, which `curbctl check` reports one by one instead.
public struct ConfigFile: Sendable {
    public var path: String
    public var agent: AgentConfiguration
    /// Every part the configuration names; for a kind curbctl has no inventory for, its Modbus placements only.
    public var parts: [ConfiguredPart]
    /// Whether curbctl has a parts list for the kind (see `PartsInventories`).
    public var knowsKind: Bool

    /// - Throws: `DocumentError` (unreadable, syntax, or every invalid key).
    public init(path: String) throws(DocumentError) {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw DocumentError(.unreadable, file: path, detail: "\(error)")
        }
        let loaded = try PartsInventories.parse(yaml: text, file: path)
        self.path = path
        self.agent = loaded.agent
        self.parts = loaded.parts
        self.knowsKind = loaded.knowsKind
        if !agent.board.hasPrefix("/") {
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
            agent.board = folder.appendingPathComponent(agent.board).standardizedFileURL.path
        }
    }

    /// The part the configuration calls `name` (`relay`, `climate`, `zones[0].presence`), or a line used under
    /// that board name.
    public func part(named name: String) -> ConfiguredPart? {
        parts.first { $0.name == name } ?? parts.first { $0.line == name }
    }
}
