public import AgentRuntime
import FoundationEssentials
import Glibc
public import StreetlightLogic

/// The lamp's energy and burning-hours counters in the state directory, written atomically (temporary file, fsync,
/// rename) so they survive restarts and power cuts. A missing or unreadable file starts the counters from zero;
/// a symbolic link in its place is neither read nor written through (``save(_:)`` fails with `ELOOP`).
public struct LampCounterStore: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    public func load() -> LampCounters {
        // A symbolic link at the path is not followed (and the next save reports it).
        guard let bytes = try? AtomicFile.read(path),
            let counters = try? JSONDecoder().decode(LampCounters.self, from: Data(bytes))
        else { return LampCounters() }
        return counters
    }

    public func save(_ counters: LampCounters) throws(AtomicFile.Failure) {
        // Encoding a struct of numbers and dates cannot fail; an empty document would read back as zeros.
        let bytes = (try? JSONEncoder().encode(counters)).map(Array.init) ?? []
        try AtomicFile.write(bytes, to: path)
    }
}
