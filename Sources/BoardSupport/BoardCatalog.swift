public import ConfigSupport
internal import FoundationEssentials

/// Every board of a folder (normally `Boards/`), by id, so a configuration's `board:` key can be checked.
public struct BoardCatalog: Hashable, Sendable {
    /// Boards by id.
    public var boards: [String: Board]

    /// A catalog of already loaded boards; the first of two boards with the same id wins.
    public init(boards: [Board]) {
        self.boards = Dictionary(boards.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Loads every `*.yaml` file of `directory` (not recursing).
    ///
    /// All files are checked even when some fail, and every failure is reported.
    public static func load(directory: String) throws(BoardCatalogError) -> BoardCatalog {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            let failure = BoardError(.unreadable, file: directory, detail: DocumentError.reason(error))
            throw BoardCatalogError(directory: directory, failures: [failure])
        }
        var boards: [Board] = []
        var failures: [BoardError] = []
        let base = directory.hasSuffix("/") ? directory : directory + "/"
        for name in names.sorted() where name.hasSuffix(".yaml") {
            do {
                boards.append(try Board.load(file: base + name))
            } catch {
                failures.append(error)
            }
        }
        guard failures.isEmpty else { throw BoardCatalogError(directory: directory, failures: failures) }
        return BoardCatalog(boards: boards)
    }

    /// The board a configuration names.
    ///
    /// - Parameter configPath: where the configuration names it (`$.board`), for the error message.
    public func board(named id: String, usedAt configPath: String) throws(BoardLookupError) -> Board {
        if let board = boards[id] { return board }
        throw BoardLookupError(
            .unknownBoard, configPath: configPath, board: nil, name: id,
            suggestion: NearestMatch.suggestion(for: id, among: boards.keys), validNames: boards.keys.sorted())
    }
}

/// Some board files of a folder failed to load; each failure carries all of its file's problems.
public struct BoardCatalogError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The folder that was loaded.
    public var directory: String
    /// One error per file that failed, each with all of that file's problems.
    public var failures: [BoardError]

    /// Wraps the per-file failures of one folder.
    public init(directory: String, failures: [BoardError]) {
        self.directory = directory
        self.failures = failures
    }

    /// The folder, the number of failed files, then each file's report.
    public var description: String {
        "\(directory): \(failures.count) board file(s) failed\n"
            + failures.map(\.description).joined(separator: "\n")
    }
}
