/// A public document a board file's numbers come from (`Raspberry Pi documentation: GPIO`, with its URL).
public struct BoardSource: Hashable, Sendable {
    /// Document title as published.
    public var title: String
    /// Where to read it.
    public var url: String?
    /// What was taken from this source, or how sure the author is.
    public var note: String?

    /// A source document.
    public init(title: String, url: String? = nil, note: String? = nil) {
        self.title = title
        self.url = url
        self.note = note
    }
}
