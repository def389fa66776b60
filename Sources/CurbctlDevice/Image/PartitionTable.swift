import FoundationEssentials
import Glibc

/// A disk image's partition table as `sfdisk --json` reads it (MBR or GPT): where each partition starts and how long
/// it is, in bytes, so its file system can be reached inside the image without mounting or extracting it.
struct PartitionTable: Sendable {
    struct Partition: Sendable, Hashable {
        /// 1-based, as the kernel numbers it (`mmcblk0p2` is 2).
        var number: Int
        var offset: Int
        var size: Int
        /// MBR type byte (`c`, `83`) or GPT type GUID, as sfdisk prints it.
        var type: String
    }

    var label: String
    var partitions: [Partition]

    /// Reads the table of the image at `path`.
    static func read(_ path: String) throws(ImageError) -> PartitionTable {
        let result = try ExternalTool.run("sfdisk", ["--json", path])
        guard result.status == 0 else {
            throw ImageError(
                .missingPartition,
                "\(path) has no partition table sfdisk can read: \(result.errors.trimmed)")
        }
        struct Document: Decodable {
            struct Table: Decodable {
                var label: String
                var sectorsize: Int?
                var partitions: [Entry]?
            }
            struct Entry: Decodable {
                var node: String
                var start: Int
                var size: Int
                var type: String
            }
            var partitiontable: Table
        }
        let document: Document
        do {
            document = try JSONDecoder().decode(Document.self, from: result.output)
        } catch {
            throw ImageError(.toolFailed, "sfdisk --json \(path) printed what this version cannot read: \(error)")
        }
        let sector = document.partitiontable.sectorsize ?? 512
        let partitions = (document.partitiontable.partitions ?? []).compactMap { entry -> Partition? in
            // The node is the image path followed by the number (`device.img2`, `/dev/mmcblk0p2`).
            let digits = entry.node.reversed().prefix { $0.isNumber }
            guard let number = Int(String(digits.reversed())) else { return nil }
            return Partition(
                number: number, offset: entry.start * sector, size: entry.size * sector, type: entry.type)
        }
        return PartitionTable(label: document.partitiontable.label, partitions: partitions)
    }

    func partition(_ number: Int) -> Partition? { partitions.first { $0.number == number } }
}

/// What a partition holds, from its first bytes: the ext2/3/4 superblock magic or a FAT boot sector.
enum FileSystemKind: String, Sendable {
    case ext4, fat, unknown

    /// Looks at the partition at `offset` of the image open as `descriptor`.
    static func probe(_ descriptor: Int32, at offset: Int) -> FileSystemKind {
        var bytes = [UInt8](repeating: 0, count: 2048)
        var got = 0
        while got < bytes.count {
            let count = bytes[got...].withUnsafeMutableBytes {
                pread(descriptor, $0.baseAddress, $0.count, off_t(offset + got))
            }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return .unknown }
            got += count
        }
        // ext2/3/4: s_magic 0xEF53 (little endian) at byte 56 of the superblock, which starts at 1024.
        if bytes[1024 + 56] == 0x53, bytes[1024 + 57] == 0xEF { return .ext4 }
        // FAT12/16/32: boot signature 0x55AA, and "FAT" at the file-system type of the BPB (54, or 82 on FAT32).
        if bytes[510] == 0x55, bytes[511] == 0xAA,
            bytes[54..<57].elementsEqual("FAT".utf8) || bytes[82..<85].elementsEqual("FAT".utf8)
        {
            return .fat
        }
        return .unknown
    }
}
