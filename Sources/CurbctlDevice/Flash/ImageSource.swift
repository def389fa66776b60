import FoundationEssentials
import Glibc

/// An image read in chunks: a plain file directly, an `.xz` file through a child `xz -dc` process.
///
/// A child process rather than liblzma: xz-utils is on every Debian system (the package already depends on it for
/// `.deb` compression), linking liblzma would add a C module for one call site, the decompressor's memory stays out
/// of curbctl's, and `xz -T0` decodes multi-block images on every core.
final class ImageSource {
    let path: String
    /// The plain image's descriptor; -1 for an `.xz` image, read from `xz`.
    private let file: Int32
    private let xz: ChildProcess?

    init(path: String) throws(ImageError) {
        self.path = path
        try Self.checkReadable(path)
        guard path.hasSuffix(".xz") else {
            file = open(path, O_RDONLY | O_CLOEXEC)
            guard file >= 0 else {
                throw ImageError(.sourceUnreadable, "\(path) cannot be opened: \(String(cString: strerror(errno)))")
            }
            xz = nil
            return
        }
        file = -1
        do {
            xz = try ChildProcess("xz", ["-dc", "-T0", path], package: "xz-utils")
        } catch {
            throw ImageError(.sourceUnreadable, "xz cannot be started for \(path): \(error.detail)")
        }
    }

    /// Refuses an image that is not there or not readable, before anything else is checked or written.
    static func checkReadable(_ path: String) throws(ImageError) {
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw ImageError(.sourceUnreadable, "\(path) does not exist or cannot be read")
        }
    }

    deinit {
        if file >= 0 { close(file) }
    }

    /// The next chunk of at most `count` bytes; nil at the end.
    func next(upTo count: Int = 4 << 20) throws(ImageError) -> Data? {
        var chunk = Data()
        // A pipe hands over what xz has written so far; fill the chunk so writes to the target stay large.
        while chunk.count < count {
            let part = try read(upTo: count - chunk.count)
            guard !part.isEmpty else { break }
            chunk.append(part)
        }
        return chunk.isEmpty ? nil : chunk
    }

    private func read(upTo count: Int) throws(ImageError) -> Data {
        if let xz { return try xz.read(upTo: count) }
        guard let part = Descriptor.read(file, upTo: count) else {
            throw ImageError(.sourceUnreadable, "reading \(path): \(String(cString: strerror(errno)))")
        }
        return part
    }

    /// After the last chunk: a decompressor that failed (a truncated or corrupt `.xz`) is an error.
    func finish() throws(ImageError) {
        guard let xz else { return }
        let status = xz.wait()
        guard status == 0 else {
            throw ImageError(.sourceUnreadable, "xz -dc \(path) failed (status \(status)): \(xz.errors)")
        }
    }

    /// The image's size once decompressed: the file's own size, or what `xz --robot --list` reports.
    static func size(of path: String) -> Int? {
        guard path.hasSuffix(".xz") else {
            // stat(2): without the full Foundation, FileManager's `.size` is a UInt, not the NSNumber it was.
            var info = stat()
            return stat(path, &info) == 0 ? Int(info.st_size) : nil
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
