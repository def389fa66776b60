/// `curbctl image` or `curbctl flash` stopped, and why: a code to match on and the detail that names the board,
/// file, partition, package or device at fault, with the figures.
public struct ImageError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of input was wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let description: String
        /// The board id names no file in the boards folder.
        public static let unknownBoard = Code(description: "unknown board")
        /// The board file has no `image` section (the virtual rig's boards are not flashed).
        public static let boardNotFlashable = Code(description: "board has no image section")
        /// The base image has no partition table, or lacks the partitions the board file names, or they are not the
        /// file systems it says.
        public static let missingPartition = Code(description: "base image without the expected partitions")
        /// No package for the board's architecture, or a package for another one.
        public static let missingPackage = Code(description: "missing package for the board's architecture")
        /// A private key readable by others than its owner.
        public static let keyPermissions = Code(description: "key file with wrong permissions")
        /// Bad input that is none of the above (device id not a host name, unreadable file).
        public static let invalidInput = Code(description: "invalid input")
        /// An external tool (sfdisk, debugfs, mtools, xz, dpkg-deb) failed or is missing.
        public static let toolFailed = Code(description: "tool failed")
        /// Writing the output failed (disk full, permissions).
        public static let outputFailed = Code(description: "cannot write the output")

        // curbctl flash

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
    }

    public var code: Code
    public var detail: String

    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { "\(code): \(detail)" }
}
