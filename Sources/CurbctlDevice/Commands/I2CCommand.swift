public import ArgumentParser
import HAL

/// `curbctl i2c dump CHIP | BUS ADDR`.
public struct I2CCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "i2c", abstract: "Dump a chip's byte registers, by its configured name or bus and address.",
        subcommands: [Dump.self])

    public init() {}

    public struct Dump: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Read registers 0x00…0xFF (or --from/--count) one byte each, like i2cdump.",
            discussion: """
                Reads can pop FIFOs or clear status bits (as with i2cdump): stop the daemon first.
                Examples: curbctl i2c dump climate    curbctl i2c dump sim-i2c-0 0x76
                """)

        @OptionGroup public var config: ConfigOption
        @Argument(help: "A configured chip (climate, lux) or a board I²C bus name.") public var chipOrBus: String
        @Argument(help: "The address (0x03…0x77) when the first argument is a bus.") public var address: String?
        @Option(name: .long, help: "First register.") public var from = "0x00"
        @Option(name: .long, help: "Number of registers.") public var count = 256
        @Flag(name: .long, help: "Print JSON.") public var json = false

        public init() {}

        public func run() async throws {
            guard let first = parseByte(from), (1...256).contains(count), Int(first) + count <= 256 else {
                throw ValidationError("--from and --count must stay within 0x00…0xFF")
            }
            var i2cAddress: I2CAddress?
            if let address {
                guard let byte = parseByte(address), let parsed = I2CAddress(rawValue: byte) else {
                    throw ValidationError("address \(address): expected 0x00…0x7F")
                }
                i2cAddress = parsed
            }
            let dump = try await Wiring(configFile: try config.resolve()).dump(
                chipOrBus, address: i2cAddress, registers: first...UInt8(Int(first) + count - 1))
            print(json ? try jsonText(dump) : dump.table())
        }
    }
}

/// `0x76`, `118`.
func parseByte(_ text: String) -> UInt8? {
    text.hasPrefix("0x") || text.hasPrefix("0X") ? UInt8(text.dropFirst(2), radix: 16) : UInt8(text)
}
