import AgentRuntime
import ArgumentParser
import CurbctlFleet
import FoundationEssentials

struct Command: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cmd",
        abstract: "Send a command to a device and print its result (MQTT 5 request/response).",
        discussion: """
            ARGS are key=value; a value that reads as JSON is that value (level=30 is a number, on=true a \
            boolean, zones='["a","b"]' a list), anything else a string. Or give the whole object with --args. \
            The exit status says what became of it: 0 accepted, 2 rejected, 3 failed, 4 no result within \
            --timeout (see curbctl --help for all).
              curbctl cmd pole-0417 set-level level=30 duration_s=60
              curbctl cmd jongno-gu/crosswalk/xing-0112 reset-fault
              curbctl cmd pier-3 ping --json
              curbctl cmd pole-0417 set-level level=30 --sign ~/.config/curbside/ops-2026.key
            Built into every daemon: ping, get-config, self-test, reboot-agent.
            """)

    @OptionGroup var broker: BrokerOptions

    @Argument(help: "The device: site/kind/id or a unique id.") var device: String
    @Argument(help: "The command name (set-level, ping, get-config, …).") var name: String
    @Argument(help: "Arguments as key=value.") var arguments: [String] = []

    @Option(name: .customLong("args"), help: "Arguments as one JSON object (instead of key=value).")
    var argumentsJSON: String?
    @Option(help: "Seconds to wait for the result.") var timeout: Double = 10
    @Flag(help: "Print the result document as JSON.") var json = false
    @OptionGroup var signing: SigningOptions

    func run() async throws {
        try await Output.run { () async throws(FleetError) -> ExitStatus in
            let args: JSONValue?
            if let argumentsJSON {
                guard let value = JSONText.decode(Array(argumentsJSON.utf8)), case .object = value else {
                    throw FleetError(.invalidInput, detail: "--args: expected a JSON object, got \(argumentsJSON)")
                }
                args = value
            } else {
                args = try CommandCall.arguments(arguments)
            }
            let key = try signing.key()
            let (connection, target) = try await broker.connect(to: device)
            defer { connection.close() }
            var call = CommandCall(target: target, name: name, arguments: args)
            if let key { try call.sign(with: key, validity: .seconds(signing.validFor ?? 300)) }
            let started = ContinuousClock.now
            let result = try await call.run(on: connection, timeout: .milliseconds(Int(timeout * 1000)))
            let elapsed = ContinuousClock.now - started
            guard let result else {
                Output.error("curbctl: no result for \(name) from \(target) within \(Text.number(timeout)) s\n")
                return .timeout
            }
            if json {
                Output.line(JSONText.encode(result, pretty: true))
            } else {
                let ms = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
                var head = "\(result.status.rawValue)  \(target) \(name)  (\(ms) ms)"
                if let reason = result.reason { head += "\n  reason: \(reason)" }
                if let message = result.message { head += "\n  message: \(message)" }
                Output.line(head)
                if let value = result.result { Output.line(JSONText.encode(value, pretty: true)) }
            }
            return CommandCall.exitStatus(of: result)
        }
    }
}
