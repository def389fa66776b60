import Foundation
import HAL
import HALLinux
import HALSim

// Backend-neutral tests are written once against these rigs and run on each backend, like Hummingbird's
// `.router`/`.live` test modes. A rig is the test's hands on the hardware: it drives inputs and watches outputs
// electrically, from outside the backend under test.

/// Where a backend-neutral test runs.
enum Backend: String, Sendable, CustomStringConvertible {
    /// `HALSim`, always available.
    case simulated
    /// `HALLinux` against the kernel's gpio-sim and i2c-stub (inside the kernel-HIL VM).
    case linux

    var description: String { rawValue }
}

/// A GPIO chip plus a way to drive its inputs and observe its outputs electrically.
protocol GPIORig: Sendable {
    var chip: any GPIOChip { get }
    /// Drives an input pin, like a switch to VCC (`true`) or ground.
    func driveInput(_ offset: GPIOLineOffset, high: Bool) throws
    /// The electrical level on an output pin.
    func observeOutput(_ offset: GPIOLineOffset) throws -> Bool
}

/// An I²C bus with a register-file chip (256 byte registers, auto-increment) at `address` and nothing at
/// `absentAddress`.
protocol I2CRig: Sendable {
    var bus: any I2CBus { get }
    var address: I2CAddress { get }
    var absentAddress: I2CAddress { get }
}

struct RigUnavailable: Error, CustomStringConvertible {
    var description: String
}

func makeGPIORig(_ backend: Backend) throws -> any GPIORig {
    switch backend {
    case .simulated: SimulatedGPIORig()
    case .linux: try GPIOSimRig.open()
    }
}

func makeI2CRig(_ backend: Backend) throws -> any I2CRig {
    switch backend {
    case .simulated: SimulatedI2CRig()
    case .linux: try I2CStubRig.open()
    }
}

// MARK: Simulated

struct SimulatedGPIORig: GPIORig {
    let simulated = SimulatedGPIOChip(name: "sim-gpio", lineCount: 8)
    var chip: any GPIOChip { simulated }

    func driveInput(_ offset: GPIOLineOffset, high: Bool) throws {
        simulated.setInputLevel(offset, high: high)
    }

    func observeOutput(_ offset: GPIOLineOffset) throws -> Bool {
        guard let level = simulated.outputLevel(offset) else {
            throw RigUnavailable(description: "sim-gpio:\(offset) is not an output")
        }
        return level
    }
}

struct SimulatedI2CRig: I2CRig {
    let simulated = SimulatedI2CBus(name: "sim-i2c")
    let address: I2CAddress = 0x50
    let absentAddress: I2CAddress = 0x51
    var bus: any I2CBus { simulated }

    init() {
        simulated.attach(SimulatedI2CRegisterFile(), at: address)
    }
}

// MARK: Linux: gpio-sim

/// A gpio-sim bank (configfs-made, see notes/kernel-hil.md). Inputs are driven through
/// `/sys/devices/platform/gpio-sim.*/gpiochipN/sim_gpioK/pull`, outputs read from `.../value`.
/// `CURBSIDE_GPIO_SIM_CHIP=gpiochipN` picks one bank when there are several.
struct GPIOSimRig: GPIORig {
    static let minimumLines = 8
    let chipName: String
    let sysfs: String
    let chip: any GPIOChip

    /// Why the Linux GPIO tests cannot run here, or `nil` if they can.
    static var unavailableReason: String? { KernelSimulators.unavailableReason { _ = try discover() } }

    static func open() throws -> GPIOSimRig {
        let (name, sysfs) = try discover()
        return GPIOSimRig(chipName: name, sysfs: sysfs, chip: try LinuxGPIOChip(name, lookup: .name))
    }

    static func discover() throws(RigUnavailable) -> (chip: String, sysfs: String) {
        let files = FileManager.default
        guard let devices = try? files.contentsOfDirectory(atPath: "/dev"),
            devices.contains(where: { $0.hasPrefix("gpiochip") })
        else {
            throw RigUnavailable(description: "no /dev/gpiochip* on this machine (runs in the kernel-HIL VM)")
        }
        let platform = "/sys/devices/platform"
        let simDevices = ((try? files.contentsOfDirectory(atPath: platform)) ?? []).filter { $0.hasPrefix("gpio-sim.") }
        let wanted = ProcessInfo.processInfo.environment["CURBSIDE_GPIO_SIM_CHIP"]
        for device in simDevices.sorted() {
            let base = "\(platform)/\(device)"
            for entry in ((try? files.contentsOfDirectory(atPath: base)) ?? []).sorted()
            where entry.hasPrefix("gpiochip") {
                if let wanted, wanted != entry { continue }
                let lines = ((try? files.contentsOfDirectory(atPath: "\(base)/\(entry)")) ?? [])
                    .filter { $0.hasPrefix("sim_gpio") }
                if lines.count >= minimumLines, devices.contains(entry) {
                    return (entry, "\(base)/\(entry)")
                }
            }
        }
        throw RigUnavailable(
            description: "no gpio-sim bank with \(minimumLines)+ lines under \(platform)/gpio-sim.* "
                + "(gpio-sim is not in Debian's kernel; the kernel-HIL VM builds and loads it)")
    }

    func driveInput(_ offset: GPIOLineOffset, high: Bool) throws {
        try Data((high ? "pull-up" : "pull-down").utf8).write(
            to: URL(fileURLWithPath: "\(sysfs)/sim_gpio\(offset)/pull"))
    }

    func observeOutput(_ offset: GPIOLineOffset) throws -> Bool {
        let text = try String(contentsOfFile: "\(sysfs)/sim_gpio\(offset)/value", encoding: .utf8)
        return text.trimmingCharacters(in: .whitespacesAndNewlines) == "1"
    }
}

// MARK: Linux: i2c-stub

/// The kernel's i2c-stub (`modprobe i2c-stub chip_addr=0x50`, plus i2c-dev): an SMBus-only adapter with a
/// 256-register chip at each `chip_addr`. The address comes from `/sys/module/i2c_stub/parameters/chip_addr` or
/// `CURBSIDE_I2C_STUB_ADDR`.
struct I2CStubRig: I2CRig {
    let bus: any I2CBus
    let address: I2CAddress
    let absentAddress: I2CAddress

    static var unavailableReason: String? { KernelSimulators.unavailableReason { _ = try discover() } }

    static func open() throws -> I2CStubRig {
        let (number, address) = try discover()
        let absent: I2CAddress = address == 0x77 ? 0x76 : 0x77
        return I2CStubRig(bus: try LinuxI2CBus(number: number), address: address, absentAddress: absent)
    }

    static func discover() throws(RigUnavailable) -> (bus: Int, address: I2CAddress) {
        let files = FileManager.default
        guard let devices = try? files.contentsOfDirectory(atPath: "/dev"),
            devices.contains(where: { $0.hasPrefix("i2c-") })
        else {
            throw RigUnavailable(description: "no /dev/i2c-* on this machine (runs in the kernel-HIL VM with i2c-stub)")
        }
        let adapters = "/sys/bus/i2c/devices"
        var stubBus: Int?
        for entry in ((try? files.contentsOfDirectory(atPath: adapters)) ?? []).sorted() where entry.hasPrefix("i2c-") {
            let name = try? String(contentsOfFile: "\(adapters)/\(entry)/name", encoding: .utf8)
            if name?.contains("SMBus stub driver") == true, devices.contains(entry) {
                stubBus = Int(entry.dropFirst(4))
            }
        }
        guard let stubBus else {
            throw RigUnavailable(description: "no i2c-stub adapter with an i2c-dev node (modprobe i2c-stub i2c-dev)")
        }
        let parameter = try? String(contentsOfFile: "/sys/module/i2c_stub/parameters/chip_addr", encoding: .utf8)
        let text = ProcessInfo.processInfo.environment["CURBSIDE_I2C_STUB_ADDR"] ?? parameter ?? ""
        let first = text.split(whereSeparator: { $0 == "," || $0.isWhitespace }).first.map(String.init) ?? ""
        let value = first.hasPrefix("0x") ? UInt8(first.dropFirst(2), radix: 16) : UInt8(first)
        guard let value, value != 0, let address = I2CAddress(rawValue: value) else {
            throw RigUnavailable(description: "i2c-stub found on i2c-\(stubBus) but its chip_addr is unknown")
        }
        return (stubBus, address)
    }
}

/// Whether the Linux-backend suites may skip. On a development host without `/dev/gpiochip*` or `/dev/i2c-*` they
/// skip with the reason; in the kernel-HIL VM (`make test-linux-backends` sets CURBSIDE_REQUIRE_KERNEL_SIMULATORS=1)
/// a missing simulator must fail the run instead, or a broken VM set-up would pass unnoticed.
enum KernelSimulators {
    static var required: Bool { ProcessInfo.processInfo.environment["CURBSIDE_REQUIRE_KERNEL_SIMULATORS"] == "1" }

    /// The reason to skip, or nil to run (always nil when the simulators are required: the tests then fail on the
    /// same discovery error instead of skipping).
    static func unavailableReason(_ discover: () throws -> Void) -> String? {
        do {
            try discover()
            return nil
        } catch {
            return required ? nil : "\(error)"
        }
    }
}
