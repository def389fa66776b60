public import ArgumentParser
import FoundationEssentials
import HAL

/// `curbctl gpio read|pulse NAME`.
public struct GPIOCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "gpio", abstract: "Read an input or pulse an output, by its configured or board name.",
        subcommands: [Read.self, Pulse.self])

    public init() {}

    public struct Read: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Read an input line once.",
            discussion: "Example: curbctl gpio read motion   (or a board line: curbctl gpio read walkButton)")

        @OptionGroup public var config: ConfigOption
        @Argument(help: "A configured line (motion, zones[0].presence) or a board line name.") public var name: String
        @Flag(name: .long, help: "Print JSON.") public var json = false

        public init() {}

        public func run() async throws {
            let value = try await Wiring(configFile: try config.resolve()).readInput(name)
            print(json ? try jsonText(["line": name, "value": "\(value)"]) : "\(name): \(value)")
        }
    }

    public struct Pulse: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Drive an output away from its safe level for a moment, then back.",
            discussion: "Example: curbctl gpio pulse beacon --ms 500")

        @OptionGroup public var config: ConfigOption
        @Argument(help: "A configured output (relay, beacon_left) or a board line name.") public var name: String
        @Option(name: .customLong("ms"), help: "Pulse length in milliseconds.") public var milliseconds = 200

        public init() {}

        public func validate() throws {
            guard (1...60_000).contains(milliseconds) else { throw ValidationError("--ms must be 1…60000") }
        }

        public func run() async throws {
            let wiring = try Wiring(configFile: try config.resolve())
            let (during, after) = try await wiring.pulse(name, for: .milliseconds(milliseconds))
            print("\(name): \(during) for \(milliseconds) ms, back to \(after)")
        }
    }
}
