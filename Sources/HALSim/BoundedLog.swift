/// The newest `limit` entries of a log, oldest first: a ring, so a simulation that runs for hours at kHz transfer
/// rates (the virtual rig) holds a fixed amount, and appending stays O(1) once it is full.
struct BoundedLog<Entry: Sendable>: Sendable {
    /// Most entries kept.
    let limit: Int
    private var storage: [Entry] = []
    /// Once full: where the next entry goes, which is also the oldest kept.
    private var next = 0

    init(limit: Int) {
        precondition(limit > 0, "a log keeps at least one entry")
        self.limit = limit
    }

    mutating func append(_ entry: Entry) {
        if storage.count < limit {
            storage.append(entry)
        } else {
            storage[next] = entry
            next = (next + 1) % limit
        }
    }

    /// The entries kept, oldest first.
    var entries: [Entry] { Array(storage[next...] + storage[..<next]) }

    mutating func removeAll() {
        storage = []
        next = 0
    }
}
