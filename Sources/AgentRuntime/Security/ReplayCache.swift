import FoundationEssentials
import Glibc

/// The signed request ids a device has accepted, each until its `expires`, kept in `replay-cache.json` in the state
/// directory so that a restart does not open a replay window.
///
/// Bounded by time (an entry is dropped once its request has expired: the expiry check refuses it from then on, and
/// `expires − issued_at` is capped by `max_validity_s`) and by count (`capacity`; past it new signed requests are
/// refused rather than an unexpired id forgotten).
struct ReplayCache {
    private let file: String
    private let capacity: Int
    private var entries: [String: Double] = [:]
    /// Set when the stored file could not be read; the cache starts empty (logged at start).
    private(set) var loadProblem: String?

    init(stateDirectory: String, capacity: Int = 10_000) {
        file = PathComponents.joined(stateDirectory, "replay-cache.json")
        self.capacity = capacity
        do {
            if let bytes = try AtomicFile.read(file) {
                entries = try JSONDecoder().decode([String: Double].self, from: Data(bytes))
            }
        } catch {
            loadProblem = "\(file): \(error); starting with an empty replay cache"
        }
    }

    enum Outcome: Equatable {
        case fresh
        case replayed
        case full
    }

    /// Records `key` (valid until `expires`) unless it is already there; persisted before this returns.
    mutating func admit(_ key: String, expires: Date, now: Date) throws(AtomicFile.Failure) -> Outcome {
        entries = entries.filter { $0.value > now.timeIntervalSince1970 }
        if entries[key] != nil { return .replayed }
        guard entries.count < capacity else { return .full }
        entries[key] = expires.timeIntervalSince1970
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding a [String: Double] cannot fail.
        let bytes = (try? encoder.encode(entries)).map(Array.init) ?? []
        do throws(AtomicFile.Failure) {
            try AtomicFile.write(bytes, to: file)
        } catch {
            entries[key] = nil
            throw error
        }
        return .fresh
    }
}
