import AgentRuntime
public import FoundationEssentials
import Glibc

/// Captures on disk in one directory (the daemon's state directory), one `<id>.vcap` file each, bounded in count
/// and total size: after each save the oldest captures are deleted until both bounds hold (the newest is kept
/// even if it alone exceeds the size bound).
///
/// File names sort by trigger time (``Capture/id``), so "oldest" needs no index file. Used from one task. Files are
/// written and read with ``AgentRuntime/AtomicFile``: a symbolic link planted at a capture's name is refused, never
/// followed.
public struct CaptureStore: Sendable {
    /// The directory holding the captures.
    public let directory: URL
    /// Most captures kept.
    public let maxCount: Int
    /// Most bytes kept.
    public let maxTotalBytes: Int

    /// The file name extension of captures.
    public static let fileExtension = "vcap"

    /// A store in `directory` (created on first save) with the given bounds.
    public init(directory: URL, maxCount: Int, maxTotalBytes: Int) {
        self.directory = directory
        self.maxCount = max(1, maxCount)
        self.maxTotalBytes = max(0, maxTotalBytes)
    }

    /// A store in `directory` with the bounds of `settings`.
    public init(directory: URL, settings: CaptureSettings) {
        self.init(directory: directory, maxCount: settings.maxCount, maxTotalBytes: settings.maxTotalBytes)
    }

    /// Writes `capture` (atomically: a reader never sees half a file), then deletes the oldest captures beyond the
    /// bounds. Returns the saved capture's listing and the IDs deleted to make room, oldest first.
    @discardableResult
    public func save(_ capture: Capture) throws(CaptureStoreError) -> (saved: CaptureInfo, evicted: [String]) {
        try Self.makeDirectory(directory)
        let data = capture.encoded()
        let url = fileURL(for: capture.id)
        do throws(AtomicFile.Failure) {
            try AtomicFile.write(Array(data), to: url.path)
        } catch {
            throw CaptureStoreError(.unwritable, path: url.path, detail: "\(error)", errno: error.errno)
        }
        var captures = try list()
        var evicted: [String] = []
        var total = captures.reduce(0) { $0 + $1.sizeBytes }
        while captures.count > 1, captures.count > maxCount || total > maxTotalBytes {
            let oldest = captures.removeFirst()
            guard oldest.id != capture.id else {
                captures.append(oldest)
                continue
            }
            try delete(id: oldest.id)
            total -= oldest.sizeBytes
            evicted.append(oldest.id)
        }
        return (CaptureInfo(id: capture.id, sizeBytes: data.count), evicted)
    }

    /// The stored captures, oldest first; an absent directory is an empty store.
    public func list() throws(CaptureStoreError) -> [CaptureInfo] {
        guard FileManager.default.fileExists(atPath: directory.path) else { return [] }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw CaptureStoreError(.unreadable, path: directory.path, detail: "\(error)")
        }
        let suffix = "." + Self.fileExtension
        var captures: [CaptureInfo] = []
        for name in names.sorted() where name.hasSuffix(suffix) {
            let id = String(name.dropLast(suffix.count))
            guard Self.isValidID(id) else { continue }
            let path = fileURL(for: id).path
            // stat(2): FoundationEssentials' file attributes carry the size in a type of their own.
            var info = stat()
            guard stat(path, &info) == 0 else {
                throw CaptureStoreError(.unreadable, path: path, detail: String(cString: strerror(errno)))
            }
            let size = Int(info.st_size)
            captures.append(CaptureInfo(id: id, sizeBytes: size))
        }
        return captures
    }

    /// The encoded capture `id` (`get-capture` sends these bytes in chunks).
    public func data(id: String) throws(CaptureStoreError) -> Data {
        let url = try existingURL(for: id)
        let bytes: [UInt8]?
        do throws(AtomicFile.Failure) {
            bytes = try AtomicFile.read(url.path)
        } catch {
            throw CaptureStoreError(.unreadable, path: url.path, detail: "\(error)")
        }
        guard let bytes else { throw CaptureStoreError(.notFound, path: url.path, detail: "no such capture") }
        return Data(bytes)
    }

    /// The capture `id`, decoded.
    public func read(id: String) throws(CaptureStoreError) -> Capture {
        let bytes = try data(id: id)
        return try Capture(decoding: bytes, what: fileURL(for: id).path)
    }

    /// Deletes the capture `id`.
    public func delete(id: String) throws(CaptureStoreError) {
        let url = try existingURL(for: id)
        do {
            try FileManager.default.removeItem(at: url)
        } catch {
            throw CaptureStoreError(.unwritable, path: url.path, detail: "\(error)")
        }
    }

    /// The capture's encoding in numbered chunks of at most `size` bytes, each carrying the CRC-32 of the whole.
    public func chunks(of capture: Capture, size: Int) -> [CaptureChunk] {
        CaptureChunk.split(capture.encoded(), captureID: capture.id, size: size)
    }

    /// The stored capture `id` in numbered chunks of at most `size` bytes.
    public func chunks(ofCaptureWithID id: String, size: Int) throws(CaptureStoreError) -> [CaptureChunk] {
        CaptureChunk.split(try data(id: id), captureID: id, size: size)
    }

    /// IDs come from commands over MQTT: only `capture-` and digits, so no path can escape the directory.
    public static func isValidID(_ id: String) -> Bool {
        guard id.hasPrefix("capture-") else { return false }
        let digits = id.dropFirst("capture-".count)
        return !digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// `mkdir -p`, saying which folder could not be made and the errno: `FileManager`'s error names neither on
    /// Linux.
    private static func makeDirectory(_ url: URL) throws(CaptureStoreError) {
        let path = url.path
        var info = stat()
        if stat(path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFDIR else {
                throw CaptureStoreError(
                    .unwritable, path: path, detail: "\(String(cString: strerror(ENOTDIR))) (errno \(ENOTDIR))",
                    errno: ENOTDIR)
            }
            return
        }
        let parent = url.deletingLastPathComponent()
        if parent.path != path { try makeDirectory(parent) }
        guard mkdir(path, 0o755) == 0 || errno == EEXIST else {
            let code = errno
            throw CaptureStoreError(
                .unwritable, path: path, detail: "mkdir: \(String(cString: strerror(code))) (errno \(code))",
                errno: code)
        }
    }

    private func fileURL(for id: String) -> URL {
        directory.appendingPathComponent(id + "." + Self.fileExtension)
    }

    private func existingURL(for id: String) throws(CaptureStoreError) -> URL {
        guard Self.isValidID(id) else {
            throw CaptureStoreError(.notFound, path: directory.path, detail: "invalid capture id \"\(id)\"")
        }
        let url = fileURL(for: id)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw CaptureStoreError(.notFound, path: url.path, detail: "no such capture")
        }
        return url
    }
}

/// One stored capture as listed (`list-captures`).
public struct CaptureInfo: Hashable, Sendable, Codable {
    /// The capture's ``Capture/id``.
    public var id: String
    /// File size, bytes.
    public var sizeBytes: Int

    /// A listing entry.
    public init(id: String, sizeBytes: Int) {
        self.id = id
        self.sizeBytes = sizeBytes
    }
}

/// A capture store operation that failed, with the file or directory involved.
public struct CaptureStoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong; more codes may be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        /// The directory or a file could not be read.
        public static let unreadable = Code(name: "unreadable")
        /// The directory or a file could not be created, written or deleted.
        public static let unwritable = Code(name: "unwritable")
        /// No capture with that ID (or the ID is malformed).
        public static let notFound = Code(name: "not found")
        /// The file is not a valid `.vcap` capture.
        public static let corrupt = Code(name: "corrupt")
        /// The code's name, as printed in messages.
        public var description: String { name }
    }

    /// What went wrong.
    public var code: Code
    /// The file or directory.
    public var path: String
    /// Operating-system or format detail.
    public var detail: String
    /// The operating system's error number, when the system gave one (`ENOSPC`: the filesystem is full).
    public var errno: Int32?

    /// An error of `code` at `path`.
    public init(_ code: Code, path: String, detail: String, errno: Int32? = nil) {
        self.code = code
        self.path = path
        self.detail = detail
        self.errno = errno
    }

    /// `/var/lib/curbside/captures/capture-001764049725123.vcap: corrupt: header truncated`.
    public var description: String { "\(path): \(code): \(detail)" }
}
