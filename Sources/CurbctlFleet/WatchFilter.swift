import AgentRuntime

/// What `curbctl watch` shows: `site/kind/id` with `+` for any segment (`+/streetlight/+`), or one word that names a
/// device id, a kind or a site; nothing for everything under `curb/v1/`.
public struct WatchFilter: Sendable, Hashable {
    /// The MQTT subscription.
    public var subscription: String
    private var word: String?

    /// Reads a filter as given on the command line (nil: everything).
    public init(_ text: String?) throws(FleetError) {
        guard let text, !text.isEmpty else {
            subscription = "\(TopicScheme.root)/#"
            return
        }
        let segments = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        for segment in segments where segment != "+" {
            do {
                _ = try DeviceIdentity(site: segment, kind: "x", device: "x")
            } catch {
                throw FleetError(.invalidInput, detail: "filter \"\(text)\": \(error)")
            }
        }
        switch segments.count {
        case 1:
            subscription = "\(TopicScheme.root)/#"
            word = text
        case 3: subscription = "\(TopicScheme.root)/\(text)/#"
        default:
            throw FleetError(
                .invalidInput, detail: "filter \"\(text)\": expected site/kind/id (with + for any) or one name")
        }
    }

    /// Whether a message on `topic` is shown.
    public func matches(_ topic: DeviceTopic) -> Bool {
        guard let word else { return true }
        return [topic.identity.device, topic.identity.kind, topic.identity.site].contains(word)
    }
}
