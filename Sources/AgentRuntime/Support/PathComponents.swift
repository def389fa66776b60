/// NSString's path helpers (`appendingPathComponent`, `deletingLastPathComponent`, `lastPathComponent`) for the
/// plain POSIX paths the runtime builds, without the full Foundation they live in.
enum PathComponents {
    /// `folder/name` with one slash between them; `name` alone when `folder` is empty.
    static func joined(_ folder: String, _ name: String) -> String {
        var folder = Substring(folder)
        while folder.count > 1, folder.hasSuffix("/") { folder = folder.dropLast() }
        if folder.isEmpty { return name }
        return folder == "/" ? "/" + name : folder + "/" + name
    }

    /// The folder holding `path`: `/a/b` → `/a`, `/a` → `/`, `a` → `` (empty).
    static func folder(of path: String) -> String {
        let trimmed = trimmingTrailingSlashes(path)
        guard let slash = trimmed.lastIndex(of: "/") else { return "" }
        if slash == trimmed.startIndex { return "/" }
        return trimmingTrailingSlashes(String(trimmed[..<slash]))
    }

    /// The last component of `path`: `/a/b/` → `b`, `/` → `/`.
    static func last(of path: String) -> String {
        let trimmed = trimmingTrailingSlashes(path)
        guard trimmed != "/", let slash = trimmed.lastIndex(of: "/") else { return trimmed }
        return String(trimmed[trimmed.index(after: slash)...])
    }

    private static func trimmingTrailingSlashes(_ path: String) -> String {
        var path = Substring(path)
        while path.count > 1, path.hasSuffix("/") { path = path.dropLast() }
        return String(path)
    }
}
