import FoundationEssentials
import Glibc

/// Revisions of `config/desired` that were rejected or rolled back, kept in the state directory so that the
/// retained document, delivered again on every reconnect and restart, is not validated and applied again.
///
/// Stored as `refused-revisions.json` (`{"refused":[{"errors":[…],"revision":7,"status":"rolled-back"}]}`), written
/// atomically. The errors come back in the `ignored` report: `config/reported` is retained, and the report of the
/// refusal must not be replaced by one that no longer says why.
struct RefusedRevisions: Sendable {
    struct Entry: Sendable, Hashable, Codable {
        var revision: Int
        var status: ConfigReport.Status
        /// The refusal's first errors (a rejected document can have hundreds).
        var errors: [String]
    }

    static let errorsKept = 20

    private struct Stored: Codable {
        var refused: [Entry]
    }

    /// Only revisions above the active one can come back; a few dozen cover any plausible run of failed attempts,
    /// and the lowest go first.
    static let capacity = 64

    let file: String
    private(set) var entries: [Int: Entry] = [:]

    /// Loads what an earlier run remembered; an unreadable file is reported and treated as empty (the cost is one
    /// more attempt of an already-refused revision, not a wrong configuration).
    init(stateDirectory: String) {
        file = PathComponents.joined(stateDirectory, "refused-revisions.json")
        let bytes: [UInt8]?
        do {
            bytes = try AtomicFile.read(file)
        } catch {
            loadProblem = "\(error), starting with no refused revisions"
            return
        }
        guard let bytes else { return }
        if let stored = try? JSONDecoder().decode(Stored.self, from: Data(bytes)) {
            for entry in stored.refused { entries[entry.revision] = entry }
        } else {
            loadProblem = "\(file): unreadable, starting with no refused revisions"
        }
    }

    /// Set when the stored file could not be read; `RemoteConfigurator.restore()` returns it for logging.
    private(set) var loadProblem: String?

    func refusal(of revision: Int) -> Entry? { entries[revision] }

    /// Remembers a refusal and persists it.
    mutating func remember(_ revision: Int, _ status: ConfigReport.Status, _ errors: [String])
        throws(AtomicFile.Failure)
    {
        entries[revision] = Entry(revision: revision, status: status, errors: Array(errors.prefix(Self.errorsKept)))
        while entries.count > Self.capacity, let lowest = entries.keys.min() { entries[lowest] = nil }
        try save()
    }

    /// Forgets revisions that cannot come back above `activeRevision` (all of them after a reset); persists only
    /// when something changed.
    mutating func forget(atOrBelow activeRevision: Int, all: Bool) throws(AtomicFile.Failure) {
        let before = entries.count
        entries = all ? [:] : entries.filter { $0.key > activeRevision }
        if entries.count != before { try save() }
    }

    private func save() throws(AtomicFile.Failure) {
        let stored = Stored(refused: entries.values.sorted { $0.revision < $1.revision })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding plain integers and strings cannot fail.
        let bytes = (try? encoder.encode(stored)).map { Array($0) } ?? []
        try AtomicFile.write(bytes, to: file)
    }
}
