public import ConfigSupport

extension BoardImage {
    /// A file's path inside a partition, relative or absolute.
    static let pathPattern = "^/?[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$"

    /// The board file's `image` section, each key declared once: read with path-precise errors, and written into
    /// `Boards/board.schema.json` as `$defs.image` (`make schemas`).
    public static var section: ConfigSection<BoardImage> {
        ConfigSection(
            doc: "How curbctl image makes a device image for this board from a base OS image: the architecture of "
                + "its packages, the partitions of the base image, and the boot settings to add. Boards without this "
                + "section (the virtual rig's) are not flashed.",
            keys: [
                .string("base", \.base, doc: "The base OS image this layout describes, as its publisher names it.")
                    .required(),
                .choice(
                    "architecture", \.architecture, of: Architecture.self, as: .identity,
                    doc: "Debian architecture of the board's packages (dpkg-deb -f FILE Architecture must say it)."
                ).required(),
                // Partition numbers as sfdisk lists them; four primary MBR partitions or up to 128 GPT entries.
                .integerOrNone(
                    "boot_partition", \.bootPartition, 1...128, as: .identity,
                    doc: "Number of the FAT boot partition in the base image's partition table, or none."),
                .integer(
                    "root_partition", \.rootPartition, 1...128,
                    doc: "Number of the ext4 root partition in the base image's partition table."
                ).required(),
                .section("boot_config", \.bootConfig, BootConfig.section),
                .section("kernel_command_line", \.kernelCommandLine, KernelCommandLine.section),
            ],
            rules: [bootFileOnAPartition])
    }

    /// Boot settings in the boot partition need one, and the two partitions differ.
    private static func bootFileOnAPartition(
        _ reader: inout NodeReader, _ found: ConfigSection<BoardImage>.Found, _ image: inout BoardImage
    ) {
        if image.bootPartition == image.rootPartition, let node = found.valid("boot_partition") {
            reader.report(
                .conflict, at: found.path.appending("boot_partition"),
                expected: "a partition other than root_partition", found: "\(image.rootPartition) for both",
                node: node)
        }
        if image.bootPartition == nil, !image.kernelCommandLine.remove.isEmpty {
            reader.report(
                .invalidValue, at: found.path.appending("kernel_command_line").appending("remove"),
                expected: "no arguments (boot_partition is none)", found: "\(image.kernelCommandLine.remove.count)",
                node: found.keys["kernel_command_line"])
        }
        if image.bootPartition == nil, image.bootConfig.partition == .boot, !image.bootConfig.settings.isEmpty {
            reader.report(
                .invalidValue, at: found.path.appending("boot_config").appending("partition"),
                expected: "root (boot_partition is none)", found: "boot", node: found.keys["boot_config"])
        }
    }
}

extension BoardImage.BootConfig {
    static var section: ConfigSection<BoardImage.BootConfig> {
        ConfigSection(
            doc: "The file that boot settings go into, and how they are added.",
            keys: [
                .choice(
                    "partition", \.partition, of: Partition.self, as: .identity,
                    doc: "The file system that holds the file: boot (FAT) or root (ext4)."),
                .string(
                    "file", \.file, what: "a path inside the partition",
                    pattern: BoardImage.pathPattern,
                    doc: "The file's path in that file system (config.txt, /boot/uEnv.txt)."),
                .choice(
                    "style", \.style, of: Style.self, as: .identity,
                    doc: "lines: a line is added unless present (after an [all] line when the file has sections). "
                        + "assignments: the uncommented line setting the same key is replaced, else added."),
                .strings(
                    "settings", \.settings, what: "a key=value line", pattern: "^[A-Za-z0-9_.-]+=[^\\n]*$",
                    doc: "The settings, one key=value line each."),
            ])
    }
}

extension BoardImage.KernelCommandLine {
    static var section: ConfigSection<BoardImage.KernelCommandLine> {
        ConfigSection(
            doc: "The kernel command line file in the boot partition, and arguments to take out of it.",
            keys: [
                .string(
                    "file", \.file, what: "a path inside the partition",
                    pattern: BoardImage.pathPattern,
                    doc: "The file's path in the boot partition (cmdline.txt)."),
                .strings(
                    "remove", \.remove, what: "a kernel argument without spaces", pattern: "^[^\\s]+$",
                    doc: "Arguments removed wherever they appear (a serial console on the UART the daemons use)."),
            ])
    }
}

extension BoardImage {
    /// The `image` section's JSON Schema (the value of `$defs.image` in `Boards/board.schema.json`).
    public static var schema: SchemaJSON {
        struct Holder { var image = BoardImage() }
        let document = ConfigSection<Holder>(doc: "", keys: [.section("image", \.image, section)])
            .document(id: "", title: "", defaults: Holder())
        guard case .object(let members) = document,
            case .object(let properties)? = members.first(where: { $0.key == "properties" })?.value,
            let image = properties.first(where: { $0.key == "image" })?.value
        else { preconditionFailure("a section's document has properties.image") }
        return image
    }
}
