/// `curbctl flash` stopped, and why: a code to match on and the detail that names the file, device and figures.
public struct FlashError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let description: String
        /// The target, or a partition of it, is mounted.
        public static let mounted = Code(description: "target is mounted")
        /// The target is the disk this system runs from.
        public static let systemDisk = Code(description: "target is the system disk")
        /// The target has no room for the image (too small, or ENOSPC while writing).
        public static let targetFull = Code(description: "target is full")
        /// What was read back differs from the image.
        public static let verificationFailed = Code(description: "verification failed")
        /// The image cannot be read or decompressed.
        public static let sourceUnreadable = Code(description: "image unreadable")
        /// The target cannot be opened, written, synced or read.
        public static let targetFailed = Code(description: "target I/O failed")
        /// Source and target are the same file, or a path is missing.
        public static let invalidInput = Code(description: "invalid input")
    }

    public var code: Code
    public var detail: String

    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { "\(code): \(detail)" }
}
