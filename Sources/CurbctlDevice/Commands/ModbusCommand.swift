public import ArgumentParser

/// `curbctl modbus read DEVICE REG [COUNT]`.
public struct ModbusCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "modbus", abstract: "Read registers of a configured Modbus device.", subcommands: [Read.self])

    public init() {}

    public struct Read: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Read holding registers (function 03), or input registers with --input (04).",
            discussion: "Example: curbctl modbus read meter 0 2 --input")

        @OptionGroup public var config: ConfigOption
        @Argument(help: "The device's name under hardware (meter, controller).") public var device: String
        @Argument(help: "First register address (0…65535, protocol addressing).") public var register: UInt16
        @Argument(help: "How many registers (1…125).") public var count = 1
        @Flag(name: .long, help: "Input registers (function 04) instead of holding registers.") public var input = false
        @Flag(name: .long, help: "Print JSON.") public var json = false

        public init() {}

        public func validate() throws {
            guard (1...125).contains(count) else { throw ValidationError("COUNT must be 1…125 (one Modbus request)") }
        }

        public func run() async throws {
            let values = try await Wiring(configFile: try config.resolve()).readRegisters(
                device, register: register, count: count, input: input)
            if json {
                struct Reading: Encodable {
                    var device: String
                    var register: UInt16
                    var values: [UInt16]
                }
                print(try jsonText(Reading(device: device, register: register, values: values)))
            } else {
                for (offset, value) in values.enumerated() {
                    print("\(Int(register) + offset): \(value) (\(ChipProbe.hex16(value)))")
                }
            }
        }
    }
}
