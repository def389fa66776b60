/// How a device image is made for a board (`curbctl image`): the Debian architecture of its packages, which
/// partitions of the base OS image are the FAT boot and the ext4 root file systems, and the boot settings to add.
///
/// Read from a board file's `image` section (``BoardImage/section``); a board without one (the virtual rig's) has no
/// image to make.
public struct BoardImage: Hashable, Sendable {
    /// A Debian architecture name, as `dpkg-deb -f FILE Architecture` prints it.
    public enum Architecture: String, Hashable, Sendable, CaseIterable {
        case arm64, armhf, amd64
    }

    /// The base OS image the layout below describes (`Raspberry Pi OS Lite (64-bit), bookworm`).
    public var base = ""
    /// The architecture of the packages the board runs.
    public var architecture = Architecture.arm64
    /// The FAT boot partition's number in the partition table (1-based); nil when the image has none.
    public var bootPartition: Int? = 1
    /// The ext4 root partition's number in the partition table (1-based).
    public var rootPartition = 2
    /// Settings the board needs at boot (I²C, UART, overlays), added to a file of the boot or root partition.
    public var bootConfig = BootConfig()
    /// Kernel arguments to take out of the boot partition's command-line file (a console on the Modbus UART).
    public var kernelCommandLine = KernelCommandLine()

    /// A layout; board files go through ``Board/parse(yaml:expectedID:file:)``.
    public init(
        base: String = "", architecture: Architecture = .arm64, bootPartition: Int? = 1, rootPartition: Int = 2,
        bootConfig: BootConfig = BootConfig(), kernelCommandLine: KernelCommandLine = KernelCommandLine()
    ) {
        self.base = base
        self.architecture = architecture
        self.bootPartition = bootPartition
        self.rootPartition = rootPartition
        self.bootConfig = bootConfig
        self.kernelCommandLine = kernelCommandLine
    }

    /// The kernel command line in the boot partition (Raspberry Pi `cmdline.txt`: one line of space-separated
    /// arguments), and the arguments to remove from it.
    public struct KernelCommandLine: Hashable, Sendable {
        /// The file's path in the boot partition.
        public var file = "cmdline.txt"
        /// Arguments removed wherever they appear (`console=serial0,115200`); empty: the file is left alone.
        public var remove: [String] = []

        /// A command line edit; empty `remove` changes nothing.
        public init(file: String = "cmdline.txt", remove: [String] = []) {
            self.file = file
            self.remove = remove
        }
    }

    /// The file that boot settings go into, and how.
    public struct BootConfig: Hashable, Sendable {
        /// Which file system holds the file.
        public enum Partition: String, Hashable, Sendable, CaseIterable {
            case boot, root
        }

        /// How settings are added.
        public enum Style: String, Hashable, Sendable, CaseIterable {
            /// A line is added unless the file has it already (Raspberry Pi `config.txt`, where `dtoverlay=` and
            /// `dtparam=` may repeat); when the file has `[filter]` sections, after an `[all]` line.
            case lines
            /// `key=value`: the uncommented line that sets `key` is replaced, else the line is added (U-Boot
            /// environments such as BeagleBone's `uEnv.txt` or Toradex's `overlays.txt`, where the last one wins).
            case assignments
        }

        /// The file system the file is on.
        public var partition = Partition.boot
        /// The file's path in that file system (`config.txt`, `/boot/uEnv.txt`).
        public var file = "config.txt"
        /// How settings are added.
        public var style = Style.lines
        /// The settings, one `key=value` line each; empty: nothing to add.
        public var settings: [String] = []

        /// A boot configuration; empty `settings` adds nothing.
        public init(
            partition: Partition = .boot, file: String = "config.txt", style: Style = .lines, settings: [String] = []
        ) {
            self.partition = partition
            self.file = file
            self.style = style
            self.settings = settings
        }
    }
}
