import Crypto
import FoundationEssentials
import Glibc

/// `curbctl flash`: writes a device image (or `.img.xz`, decompressed on the fly) to a block device or a file,
/// syncs it, reads back what was written and compares its SHA-256 with the image's.
///
/// Before writing it refuses a target that is mounted (the disk or any partition of it, from `/proc/self/mountinfo`)
/// and the disk the running system uses; a block device is also opened with `O_EXCL`, which the kernel refuses while
/// anything holds the device.
public struct Flasher: Sendable {
    public struct Request: Sendable {
        /// The image, `.img` or `.img.xz`.
        public var source: String
        /// A block device (`/dev/sdb`, `/dev/mmcblk0`) or a file.
        public var target: String
        /// Check and say what would happen; write nothing.
        public var dryRun = false
        /// Only compare the target with the image (a card written earlier).
        public var verifyOnly = false
        /// The mount table to check against (a test passes its own).
        public var mountinfo = "/proc/self/mountinfo"
        /// Draw a progress bar in place rather than printing lines.
        public var terminal = false

        public init(source: String, target: String) {
            self.source = source
            self.target = target
        }
    }

    /// What was written and verified.
    public struct Report: Sendable {
        public var bytes: Int
        /// SHA-256 of the image, hex.
        public var sha256: String
        /// The target was read back and matched.
        public var verified: Bool
        public var writeSeconds: Double
    }

    /// Writes progress to standard error as it comes.
    public static let standardError: @Sendable (String) -> Void = {
        try? Descriptor.write(STDERR_FILENO, Data($0.utf8))
    }

    public let request: Request
    let say: @Sendable (String) -> Void
    let progress: @Sendable (String) -> Void

    /// - Parameters:
    ///   - say: result lines (standard output).
    ///   - progress: the progress bar or lines (standard error), written as given.
    public init(
        _ request: Request, say: @escaping @Sendable (String) -> Void = { print($0) },
        progress: @escaping @Sendable (String) -> Void = Flasher.standardError
    ) {
        self.request = request
        self.say = say
        self.progress = progress
    }

    @discardableResult
    public func run() throws(ImageError) -> Report {
        try ImageSource.checkReadable(request.source)
        let target = try checkTarget()
        let size = ImageSource.size(of: request.source)
        if let size, let capacity = target.capacity, size > capacity {
            throw ImageError(
                .targetFull,
                "\(request.target) holds \(FlashProgress.mebibytes(capacity)); \(request.source) needs "
                    + FlashProgress.mebibytes(size))
        }
        let sizeText = size.map { FlashProgress.mebibytes($0) } ?? "size unknown"
        if request.dryRun {
            say("dry run: would write \(request.source) (\(sizeText)) to \(request.target) (\(target.kind))")
            say("  =  not mounted, not the system disk (\(request.mountinfo))")
            say("  would sync, read \(sizeText) back and compare its SHA-256 with the image's; nothing written")
            return Report(bytes: size ?? 0, sha256: "", verified: false, writeSeconds: 0)
        }
        var written = 0
        var digest = ""
        var seconds = 0.0
        if request.verifyOnly {
            (written, digest) = try hashSource(size: size)
        } else {
            say("writing \(request.source) (\(sizeText)) to \(request.target) (\(target.kind))")
            (written, digest, seconds) = try write(size: size, target: target)
        }
        let (readBytes, readBack) = try readBack(bytes: written)
        guard readBytes == written else {
            throw ImageError(
                .verificationFailed,
                "\(request.target) read back differs from \(request.source): it ends after \(readBytes) of the image's "
                    + "\(written) bytes")
        }
        guard readBack == digest else {
            throw ImageError(
                .verificationFailed,
                "\(request.target) read back differs from \(request.source): SHA-256 of the first \(written) bytes is "
                    + "\(readBack), the image's is \(digest)")
        }
        say(
            "verified: \(written) bytes (\(FlashProgress.mebibytes(written))) of \(request.target) read back"
                + (request.verifyOnly ? "" : " after fsync") + " match \(request.source), SHA-256 \(digest)")
        if !target.isBlockDevice {
            say("  (a file target is read back through the page cache; a block device is read from the device)")
        }
        return Report(bytes: written, sha256: digest, verified: true, writeSeconds: seconds)
    }

    // MARK: The target

    struct Target {
        var isBlockDevice: Bool
        /// `major:minor` of a block device.
        var device: String?
        /// Bytes a block device holds; for a file, the free space of its file system (nil: unknown).
        var capacity: Int?
        var kind: String { isBlockDevice ? "block device \(device ?? "")" : "file" }
    }

    func checkTarget() throws(ImageError) -> Target {
        let source = URL(fileURLWithPath: request.source).resolvingSymlinksInPath().path
        let target = URL(fileURLWithPath: request.target).resolvingSymlinksInPath().path
        guard source != target else {
            throw ImageError(.invalidInput, "\(request.target) is the image itself")
        }
        var status = stat()
        let exists = stat(request.target, &status) == 0
        let isBlockDevice = exists && (status.st_mode & S_IFMT) == S_IFBLK
        if !exists, request.target.hasPrefix("/dev/") {
            throw ImageError(.invalidInput, "\(request.target) does not exist (lsblk lists the disks)")
        }
        if request.verifyOnly, !exists {
            throw ImageError(.invalidInput, "\(request.target) does not exist")
        }
        let device = isBlockDevice ? Self.majorMinor(status.st_rdev) : nil
        let table = try MountTable.read(request.mountinfo)
        let mounted = table.mounts(of: request.target, device: device)
        if let system = mounted.first(where: { MountTable.systemMountPoints.contains($0.mountPoint) }) {
            throw ImageError(
                .systemDisk,
                "\(request.target) is the disk this system runs from (\(system.source) is mounted at "
                    + "\(system.mountPoint)); pick the card or eMMC reader's device (lsblk)")
        }
        if !mounted.isEmpty && !request.verifyOnly {
            throw ImageError(
                .mounted,
                "\(request.target) is mounted: "
                    + mounted.map { "\($0.source) at \($0.mountPoint)" }.joined(separator: ", ")
                    + "; unmount it first (umount \(mounted.map { $0.mountPoint }.joined(separator: " ")))")
        }
        var capacity: Int?
        if isBlockDevice {
            let descriptor = open(request.target, O_RDONLY | O_CLOEXEC)
            if descriptor >= 0 {
                let end = lseek(descriptor, 0, SEEK_END)
                if end > 0 { capacity = Int(end) }
                close(descriptor)
            }
        } else {
            var space = statvfs()
            let folder = URL(fileURLWithPath: request.target).deletingLastPathComponent().path
            if statvfs(folder, &space) == 0 {
                // What the target occupies now is freed when it is truncated.
                let current = exists ? Int(status.st_size) : 0
                capacity = Int(space.f_bavail) * Int(space.f_frsize) + current
            }
        }
        return Target(isBlockDevice: isBlockDevice, device: device, capacity: capacity)
    }

    // MARK: Writing and reading back

    func write(size: Int?, target: Target) throws(ImageError) -> (Int, String, Double) {
        let source = try ImageSource(path: request.source)
        // O_EXCL on a block device: the kernel refuses it while a file system or another exclusive opener holds it.
        let flags = target.isBlockDevice ? O_WRONLY | O_EXCL | O_CLOEXEC : O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC
        let descriptor = open(request.target, flags, 0o644)
        guard descriptor >= 0 else {
            let code = errno
            throw ImageError(
                code == EBUSY ? .mounted : .targetFailed,
                "open \(request.target): \(String(cString: strerror(code))) (errno \(code))"
                    + (code == EBUSY ? "; something holds it (mounted, or in use): unmount it first" : ""))
        }
        defer { close(descriptor) }
        var hash = SHA256()
        var written = 0
        let bar = FlashProgress("writing", total: size, terminal: request.terminal, write: progress)
        while let chunk = try source.next() {
            hash.update(data: chunk)
            do {
                try Descriptor.write(descriptor, chunk)
            } catch {
                throw Self.writeError(error.code, target: request.target, at: written + error.written, size: size)
            }
            written += chunk.count
            bar.update(written)
        }
        try source.finish()
        guard fsync(descriptor) == 0 else {
            let code = errno
            throw Self.writeError(code, target: request.target, at: written, size: size)
        }
        // Drop the now clean cached pages, so the read back comes from the device.
        _ = posix_fadvise(descriptor, 0, 0, Int32(POSIX_FADV_DONTNEED))
        bar.finish(written)
        return (written, Self.hex(hash.finalize()), bar.elapsed)
    }

    static func writeError(_ code: Int32, target: String, at offset: Int, size: Int?) -> ImageError {
        if code == ENOSPC || code == EFBIG {
            return ImageError(
                .targetFull,
                "\(target) is full after \(FlashProgress.mebibytes(offset)) of "
                    + "\(size.map { FlashProgress.mebibytes($0) } ?? "the image") (\(String(cString: strerror(code))))")
        }
        return ImageError(
            .targetFailed,
            "writing \(target) at byte \(offset): \(String(cString: strerror(code))) (errno \(code))")
    }

    /// The image's SHA-256 and length without writing (for `verifyOnly`).
    func hashSource(size: Int?) throws(ImageError) -> (Int, String) {
        let source = try ImageSource(path: request.source)
        var hash = SHA256()
        var count = 0
        let bar = FlashProgress("reading image", total: size, terminal: request.terminal, write: progress)
        while let chunk = try source.next() {
            hash.update(data: chunk)
            count += chunk.count
            bar.update(count)
        }
        try source.finish()
        bar.finish(count)
        return (count, Self.hex(hash.finalize()))
    }

    /// How many of the target's first `bytes` bytes could be read (fewer when it is shorter) and their SHA-256.
    func readBack(bytes: Int) throws(ImageError) -> (Int, String) {
        let descriptor = open(request.target, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            let code = errno
            throw ImageError(.targetFailed, "open \(request.target) to verify: \(String(cString: strerror(code)))")
        }
        defer { close(descriptor) }
        var hash = SHA256()
        var done = 0
        var buffer = [UInt8](repeating: 0, count: 4 << 20)
        let bar = FlashProgress("verifying", total: bytes, terminal: request.terminal, write: progress)
        while done < bytes {
            let want = min(buffer.count, bytes - done)
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, want) }
            if count < 0 {
                let code = errno
                if code == EINTR { continue }
                throw ImageError(
                    .targetFailed, "reading \(request.target) back at byte \(done): \(String(cString: strerror(code)))")
            }
            if count == 0 { break }
            hash.update(data: buffer[..<count])
            done += count
            bar.update(done)
        }
        bar.finish(done)
        return (done, Self.hex(hash.finalize()))
    }

    /// glibc's `major()`/`minor()` are macros Swift cannot call: the same bit layout (sys/sysmacros.h).
    static func majorMinor(_ device: dev_t) -> String {
        let major = ((device >> 8) & 0xfff) | ((device >> 32) & ~0xfff)
        let minor = (device & 0xff) | ((device >> 12) & ~0xff)
        return "\(major):\(minor)"
    }

    static func hex(_ digest: SHA256.Digest) -> String {
        let digits = Array("0123456789abcdef")
        return String(digest.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0F)]] })
    }
}
