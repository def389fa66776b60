/// What the broker made of the session's subscriptions (commands, desired configuration), for the log and for
/// `telemetry/health`: a device whose subscription failed or was refused hears nothing, so it must say so.
struct SubscriptionTracker: Sendable {
    enum State: Sendable, Hashable {
        /// SUBSCRIBE sent (or about to be), no SUBACK yet.
        case pending
        /// SUBACK granted this QoS.
        case active(grantedQoS: Int32)
        /// SUBACK refused it with this reason code (≥ 0x80; 0x87 not authorised by the broker's ACL).
        case refused(reasonCode: Int32)
        /// SUBSCRIBE could not be sent (the library's error).
        case failed(String)
    }

    struct Entry: Sendable, Hashable {
        var state: State = .pending
        /// SUBSCRIBE attempts on the current connection.
        var attempts = 0
        var messageID: Int32?
    }

    private(set) var entries: [String: Entry]

    init(filters: [String]) {
        entries = Dictionary(uniqueKeysWithValues: filters.map { ($0, Entry()) })
    }

    var filters: [String] { entries.keys.sorted() }

    func attempts(_ filter: String) -> Int { entries[filter]?.attempts ?? 0 }

    /// A new connection: everything is subscribed again from the first attempt.
    mutating func restart() {
        for filter in entries.keys { entries[filter] = Entry() }
    }

    mutating func sent(_ filter: String, messageID: Int32) {
        entries[filter]?.attempts += 1
        entries[filter]?.messageID = messageID
        entries[filter]?.state = .pending
    }

    mutating func failed(_ filter: String, _ error: String) {
        entries[filter]?.attempts += 1
        entries[filter]?.messageID = nil
        entries[filter]?.state = .failed(error)
    }

    /// Records a SUBACK; returns the filter it answers and its new state, or nil for a SUBACK that is not ours
    /// (an earlier connection's).
    mutating func acknowledged(messageID: Int32, reasonCodes: [Int32]) -> (filter: String, state: State)? {
        guard let filter = entries.first(where: { $0.value.messageID == messageID })?.key else { return nil }
        // One filter per SUBSCRIBE, so one reason code; none at all would be a broker bug, read as a refusal.
        let code = reasonCodes.first ?? 0x80
        let state: State = code >= 0x80 ? .refused(reasonCode: code) : .active(grantedQoS: code)
        entries[filter]?.state = state
        entries[filter]?.messageID = nil
        return (filter, state)
    }

    /// `{"cmd/+": {"state": "refused", "reason_code": 135, "reason": "Not authorized", "attempts": 3}, …}`, keyed by
    /// the filter below the device's topic prefix.
    func health(prefix: String, reason: (Int32) -> String) -> JSONValue {
        var report: [String: JSONValue] = [:]
        for (filter, entry) in entries {
            let key = filter.hasPrefix(prefix + "/") ? String(filter.dropFirst(prefix.count + 1)) : filter
            var item: [String: JSONValue] = ["attempts": .number(Double(entry.attempts))]
            switch entry.state {
            case .pending:
                item["state"] = "pending"
            case .active(let qos):
                item["state"] = "active"
                item["granted_qos"] = .number(Double(qos))
            case .refused(let code):
                item["state"] = "refused"
                item["reason_code"] = .number(Double(code))
                item["reason"] = .string(reason(code))
            case .failed(let error):
                item["state"] = "failed"
                item["reason"] = .string(error)
            }
            report[key] = .object(item)
        }
        return .object(report)
    }
}
