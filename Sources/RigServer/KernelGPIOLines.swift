public import BoardSupport
import Foundation
import HAL
import HALLinux

/// The scenario side of a rig whose board is real kernel GPIO — the kernel-HIL VM's gpio-sim banks (`sim-kernel`):
/// `set-input` pulls a line through gpio-sim's sysfs `pull` attribute, `get-output` reads its `value`, while the
/// daemons under test open the same lines through the GPIO character device (`hal: linux`). So a scenario runs
/// against the VM by naming a rig file on the `sim-kernel` board: a configuration change, not a code change.
public struct KernelGPIOLines: Sendable {
    public let board: Board

    public init(board: Board) {
        self.board = board
    }

    /// The sysfs directory of a board line (`/sys/devices/platform/gpio-sim.0/gpiochip1/sim_gpio13`).
    public func directory(_ name: String) throws -> String {
        let line = try board.gpioLine(named: name, usedAt: "line")
        let chip = board.gpioChips.values.first { $0.identifier == line.address.chip }
        let opened = try LinuxGPIOChip(line.address.chip, lookup: chip?.openBy == .label ? .label : .name)
        let platform = "/sys/devices/platform"
        for device in try FileManager.default.contentsOfDirectory(atPath: platform) where device.hasPrefix("gpio-sim.")
        {
            let path = "\(platform)/\(device)/\(opened.kernelName)/sim_gpio\(line.address.offset.rawValue)"
            if FileManager.default.fileExists(atPath: path) { return path }
        }
        throw KernelLineError(description: "\(name): no gpio-sim sysfs entry for \(opened.kernelName)")
    }

    public func setInput(_ name: String, high: Bool) throws {
        try Data((high ? "pull-up" : "pull-down").utf8).write(
            to: URL(fileURLWithPath: try directory(name) + "/pull"))
    }

    public func outputLevel(_ name: String) throws -> Bool {
        let text = try String(contentsOfFile: try directory(name) + "/value", encoding: .utf8)
        return text.trimmingCharacters(in: .whitespacesAndNewlines) == "1"
    }
}

struct KernelLineError: Error, CustomStringConvertible {
    var description: String
}
