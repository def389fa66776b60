import FoundationEssentials

/// A FAT file system inside a disk image, read and written with mtools at the partition's byte offset
/// (`mcopy -i image@@offset`): nothing is mounted.
struct FATImage {
    let device: String
    let name: String

    init(image: String, partition: PartitionTable.Partition) {
        device = "\(image)@@\(partition.offset)"
        name = "partition \(partition.number) (FAT)"
    }

    /// mtools refuses some valid images over geometry it cannot check; the partition offset is what counts here.
    private static let environment = ["MTOOLS_SKIP_CHECK": "1"]

    /// The file's contents; nil when there is no such file.
    func read(_ path: String) throws(ImageError) -> Data? {
        let copy = Self.scratchFile()
        defer { try? FileManager.default.removeItem(atPath: copy) }
        let result = try ExternalTool.run(
            "mcopy", ["-n", "-i", device, "::\(path)", copy], environment: Self.environment)
        if result.status != 0 {
            if result.errors.contains("not found") { return nil }
            throw ImageError(.toolFailed, "mcopy ::\(path) from \(name): \(result.errors)")
        }
        return FileManager.default.contents(atPath: copy)
    }

    /// Replaces (or creates) the file.
    func write(_ path: String, _ contents: Data) throws(ImageError) {
        let copy = Self.scratchFile()
        defer { try? FileManager.default.removeItem(atPath: copy) }
        guard FileManager.default.createFile(atPath: copy, contents: contents) else {
            throw ImageError(.outputFailed, "cannot write \(copy)")
        }
        _ = try ExternalTool.checked(
            "mcopy", ["-o", "-n", "-i", device, copy, "::\(path)"], environment: Self.environment)
    }

    private static func scratchFile() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("curbctl-fat-\(UUID().uuidString.prefix(8))")
            .path
    }
}
