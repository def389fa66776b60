/// Decides when a poll group's values are published: at the first poll, when any point moved beyond its deadband since
/// the values last published, and at least once per heartbeat otherwise. Time is injected.
public struct PublishFilter: Sendable {
    /// Deadbands by point name; a point without one publishes on any change.
    public let deadbands: [String: Double]
    public let heartbeat: Duration
    private var published: [String: PointValue] = [:]
    private var publishedAt: Duration?

    public init(deadbands: [String: Double], heartbeat: Duration) {
        self.deadbands = deadbands
        self.heartbeat = heartbeat
    }

    /// Whether `values` read at `now` are published; when so, they become the reference for the next decision.
    public mutating func shouldPublish(_ values: [String: PointValue], at now: Duration) -> Bool {
        let due: Bool
        if let last = publishedAt, values.count == published.count, values.keys.allSatisfy({ published[$0] != nil }) {
            due = now - last >= heartbeat || values.contains { name, value in changed(name, value) }
        } else {
            // The first poll, or the set of points read changed (a point failed or came back).
            due = true
        }
        if due {
            published = values
            publishedAt = now
        }
        return due
    }

    private func changed(_ name: String, _ value: PointValue) -> Bool {
        guard let previous = published[name] else { return true }
        if let new = value.number, let old = previous.number {
            let deadband = deadbands[name] ?? 0
            return deadband == 0 ? new != old : abs(new - old) > deadband
        }
        return value != previous
    }
}
