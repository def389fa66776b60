public import ArgumentParser

/// `curbctl check`: the commissioning self-test.
public struct CheckCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Commissioning self-test: configuration, board, lines, chips, Modbus devices, files, broker, clock.",
        discussion: """
            Loads the configuration the way its daemon does, then opens every configured GPIO line (outputs at \
            their safe level), probes every I²C chip by its identity registers, polls every Modbus device, checks \
            the TLS and password files (keys readable by their owner only), connects to the broker with the \
            device's credentials, and asks the kernel whether the clock is synchronized. Prints a ✓/✗ table with \
            the fix for each ✗; exits 1 when anything failed. Stop the daemon first (systemctl stop <daemon>): \
            it holds the same lines.

            Example: curbctl check --config /etc/curbside/streetlightd.yaml
            """)

    @OptionGroup public var config: ConfigOption

    @Flag(name: .long, help: "Print the report as JSON (for scripts).")
    public var json = false

    @Option(name: .customLong("broker-timeout"), help: "Seconds to wait for the broker's answer.")
    public var brokerTimeout = 5

    public init() {}

    public func run() async throws {
        let report = await Commissioning.run(configFile: try config.resolve(), brokerTimeout: .seconds(brokerTimeout))
        print(json ? try report.json() : report.table())
        if !report.passed { throw ExitCode.failure }
    }
}
