import AgentRuntime
public import ChargerLogic
import FoundationEssentials

/// What survives a restart: the open session (if any), the last finished ones and the grid operator's limit, in one
/// JSON file in the state directory, replaced atomically.
public struct ChargerSessionStore: Sendable {
    public struct Contents: Sendable, Hashable, Codable {
        public var open: ChargingSession?
        /// The most recent finished sessions, newest last (`historyLimit`).
        public var history: [ChargingSession] = []
        public var gridLimitAmps: Double?
        public init() {}
    }

    public static let historyLimit = 50
    public let path: String

    public init(path: String) { self.path = path }

    /// The stored contents; empty when there is no file yet.
    public func load() throws -> Contents {
        guard let bytes = try AtomicFile.read(path) else { return Contents() }
        return try JSONDecoder().decode(Contents.self, from: Data(bytes))
    }

    public func save(_ contents: Contents) throws {
        var contents = contents
        contents.history = Array(contents.history.suffix(Self.historyLimit))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try AtomicFile.write(Array(try encoder.encode(contents)), to: path)
    }
}
