import Foundation

/// An image read in chunks: a plain file directly, an `.xz` file through a child `xz -dc` process.
///
/// A child process rather than liblzma: xz-utils is on every Debian system (the package already depends on it for
/// `.deb` compression), linking liblzma would add a C module for one call site, the decompressor's memory stays out
/// of curbctl's, and `xz -T0` decodes multi-block images on every core.
final class ImageSource {
    let path: String
    private let handle: FileHandle
    private let process: Process?
    private let errors: URL?

    init(path: String) throws(ImageError) {
        self.path = path
        try Self.checkReadable(path)
        guard path.hasSuffix(".xz") else {
            guard let handle = FileHandle(forReadingAtPath: path) else {
                throw ImageError(.sourceUnreadable, "\(path) cannot be opened")
            }
            self.handle = handle
            process = nil
            errors = nil
            return
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["xz", "-dc", "-T0", path]
        let output = Pipe()
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent(
            "curbctl-xz-\(UUID().uuidString.prefix(8)).err")
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        process.standardOutput = output
        process.standardError = FileHandle(forWritingAtPath: errors.path) ?? FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw ImageError(.sourceUnreadable, "xz cannot be started for \(path): \(error) (apt-get install xz-utils)")
        }
        handle = output.fileHandleForReading
        self.process = process
        self.errors = errors
    }

    /// Refuses an image that is not there or not readable, before anything else is checked or written.
    static func checkReadable(_ path: String) throws(ImageError) {
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw ImageError(.sourceUnreadable, "\(path) does not exist or cannot be read")
        }
    }

    deinit {
        if let process, process.isRunning { process.terminate() }
        if let errors { try? FileManager.default.removeItem(at: errors) }
    }

    /// The next chunk of at most `count` bytes; nil at the end.
    func next(upTo count: Int = 4 << 20) throws(ImageError) -> Data? {
        var chunk = Data()
        // A pipe hands over what xz has written so far; fill the chunk so writes to the target stay large.
        while chunk.count < count {
            let part: Data?
            do {
                part = try handle.read(upToCount: count - chunk.count)
            } catch {
                throw ImageError(.sourceUnreadable, "reading \(path): \(error)")
            }
            guard let part, !part.isEmpty else { break }
            chunk.append(part)
        }
        return chunk.isEmpty ? nil : chunk
    }

    /// After the last chunk: a decompressor that failed (a truncated or corrupt `.xz`) is an error.
    func finish() throws(ImageError) {
        guard let process else { return }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let said = errors.flatMap { try? String(contentsOf: $0, encoding: .utf8) } ?? ""
            throw ImageError(
                .sourceUnreadable, "xz -dc \(path) failed (status \(process.terminationStatus)): \(said)")
        }
    }

    /// The image's size once decompressed: the file's own size, or what `xz --robot --list` reports.
    static func size(of path: String) -> Int? {
        guard path.hasSuffix(".xz") else {
            return (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue
        }
        guard let listed = try? ExternalTool.run("xz", ["--robot", "--list", path]), listed.status == 0 else {
            return nil
        }
        // "totals  <streams> <blocks> <compressed> <uncompressed> …"
        let totals = listed.text.split(separator: "\n").first { $0.hasPrefix("totals") }
        let fields = totals?.split(separator: "\t") ?? []
        return fields.count > 4 ? Int(fields[4]) : nil
    }
}
