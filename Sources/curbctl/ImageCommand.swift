import ArgumentParser
import CurbctlDevice
import CurbctlFleet
import Glibc

/// `curbctl image`: a device image from a base OS image, a device configuration and credentials.
struct ImageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image",
        abstract: "Make a flashable image for one device from a base OS image, without mounting anything.",
        discussion: """
            Copies BASE (.img or .img.xz) to --out and writes into it: the Curbside package(s) for the board's \
            architecture and a first-boot unit that installs them, enables the daemon and removes itself; the device \
            configuration; its credentials (--cert/--key/--ca, the key 0600 and owned by the daemon's user; without \
            them a key is generated in the image and its CSR written to OUT.csr when the configuration names a key \
            file); the host name from the device id; and the boot settings of the board file's image section. \
            The output appears only when every step succeeded.

            Example: curbctl image --board raspberry-pi-4b --base 2024-11-19-raspios-bookworm-arm64-lite.img.xz \\
                       --device-config pole-0417.yaml --package curbside_0.4.0_arm64.deb \\
                       --cert pole-0417.pem --key pole-0417.key --ca city-ca.pem --out pole-0417.img
            """)

    @Option(help: "Board id (a file of --boards with an image section).") var board: String
    @Option(help: "Base OS image (.img or .img.xz).") var base: String
    @Option(help: "The device's daemon configuration (identity filled in, hal linux).") var deviceConfig: String
    @Option(help: "Where the device image goes.") var out: String
    @Option(help: "Curbside package (.deb) or a folder of them; repeat for several.") var package: [String] = []
    @Option(help: "Device certificate (with --key), at the configuration's mqtt.tls.cert_file.") var cert: String?
    @Option(help: "Device private key (with --cert; must be mode 0600).") var key: String?
    @Option(help: "CA certificate, at the configuration's mqtt.tls.ca_file.") var ca: String?
    @Option(help: "Folder of the board files.") var boards = "/usr/share/curbside/boards"
    @Option(help: "Folder of the example configurations (Firmware-config/examples in a checkout).") var examples =
        "/usr/share/curbside/examples"

    func run() throws {
        var request = ImageBuilder.Request(
            board: board, base: base, deviceConfig: deviceConfig, out: out, packages: package)
        request.certificate = cert
        request.key = key
        request.ca = ca
        request.boards = boards
        request.examples = examples
        do {
            try ImageBuilder(request, say: { Output.line($0) }).run()
        } catch {
            throw failure("image", error)
        }
    }
}

/// `curbctl flash`: an image onto a card or eMMC, verified.
struct FlashCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flash",
        abstract: "Write a device image to a card, eMMC or file, then read it back and compare SHA-256.",
        discussion: """
            Streams IMAGE (.img, or .img.xz decompressed by xz on the fly) to TARGET with a progress bar, syncs, \
            reads back what was written and compares its SHA-256 with the image's, and prints what it verified. \
            Refuses a TARGET that is mounted (or any partition of it) and the disk this system runs from. \
            --dry-run checks and says what would happen; --verify-only compares a card written earlier.

            Example: curbctl flash pole-0417.img /dev/sdb
            """)

    @Argument(help: "The image (.img or .img.xz).") var image: String
    @Argument(help: "Block device (/dev/sdb, /dev/mmcblk0) or file.") var target: String
    @Flag(help: "Check and show what would happen; write nothing.") var dryRun = false
    @Flag(help: "Only compare TARGET with IMAGE.") var verifyOnly = false
    @Option(help: ArgumentHelp("Mount table to check (tests).", visibility: .hidden)) var mountinfo =
        "/proc/self/mountinfo"

    func run() throws {
        var request = Flasher.Request(source: image, target: target)
        request.dryRun = dryRun
        request.verifyOnly = verifyOnly
        request.mountinfo = mountinfo
        request.terminal = isatty(2) == 1
        do {
            try Flasher(request, say: { Output.line($0) }).run()
        } catch {
            throw failure("flash", error)
        }
    }
}

/// Prints `error` and gives the exit status: 65 when an input was refused (board, base image, package, key,
/// configuration, an unreadable image), 1 when the work failed or the target was refused or did not verify.
private func failure(_ command: String, _ error: ImageError) -> ExitCode {
    Output.error("curbctl \(command): \(error)\n")
    let refusedInput: Set<ImageError.Code> = [
        .unknownBoard, .boardNotFlashable, .missingPartition, .missingPackage, .keyPermissions, .invalidInput,
        .sourceUnreadable,
    ]
    return ExitCode(refusedInput.contains(error.code) ? ExitStatus.invalidInput.rawValue : ExitStatus.error.rawValue)
}
