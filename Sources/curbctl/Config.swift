import AgentRuntime
import ArgumentParser
import ConfigSchemas
import CurbctlFleet

struct Config: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read, compare and change a device's remote configuration (its device section).",
        discussion: """
            FILE is a daemon configuration file (its device section is used), a desired-configuration document \
            ({revision, config: {device: …}}), or a bare device section; YAML or JSON. Only the device section is \
            remotely settable, and within it the hardware section must stay as in the device's local file.
            """,
        subcommands: [Get.self, Diff.self, Push.self])

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the retained desired configuration and the device's last report.",
            discussion: "  curbctl config get pole-0417\n  curbctl config get jongno-gu/streetlight/pole-0417 --json")

        @OptionGroup var broker: BrokerOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The device: site/kind/id or a unique id.") var device: String

        func run() async throws {
            let json = output.json
            try await Output.run { () async throws(FleetError) -> ExitStatus in
                let (connection, target) = try await broker.connect(to: device)
                defer { connection.close() }
                let state = try await ConfigurationState.fetch(target, on: connection)
                if json {
                    let reported = state.reported.flatMap {
                        JSONText.decode(Array(JSONText.encode($0, pretty: false).utf8))
                    }
                    Output.line(
                        JSONText.encode(
                            [
                                "device": .string(target.description), "desired": state.desired ?? .null,
                                "reported": reported ?? .null, "active_revision": .number(Double(state.activeRevision)),
                            ] as JSONValue, pretty: true))
                    return .success
                }
                Output.line("\(target): running revision \(state.activeRevision)")
                if let reported = state.reported {
                    Output.line(
                        "last report: revision \(reported.revision) \(reported.status.rawValue) at \(reported.ts)")
                    for error in reported.errors ?? [] { Output.line("  ✗ \(error)") }
                } else {
                    Output.line("last report: none (no desired configuration handled yet)")
                }
                if let device = state.desiredDevice {
                    Output.line("desired (revision \(state.desired?["revision"]?.intValue ?? 0)), device section:")
                    Output.line(JSONText.encode(device, pretty: true))
                } else {
                    Output.line("desired: none on the broker; the device runs its local file (revision 0)")
                }
                return .success
            }
        }
    }

    struct Diff: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show what FILE would change against the retained desired configuration, and validate it.",
            discussion: "  curbctl config diff pole-0417 streetlight.yaml")

        @OptionGroup var broker: BrokerOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The device: site/kind/id or a unique id.") var device: String
        @Argument(help: "The configuration file.") var file: String

        func run() async throws {
            let json = output.json
            try await Output.run { () async throws(FleetError) -> ExitStatus in
                let draft = try ConfigurationDraft.load(file: file)
                let (connection, target) = try await broker.connect(to: device)
                defer { connection.close() }
                let state = try await ConfigurationState.fetch(target, on: connection)
                let problems = DeviceKinds.problems(kind: target.kind, device: draft.device) ?? []
                if json {
                    let lines = ConfigDiff.lines(from: state.desiredDevice, to: draft.device)
                    Output.line(
                        JSONText.encode(
                            [
                                "device": .string(target.description),
                                "desired_revision": state.desired?["revision"] ?? .null,
                                "changes": .array(lines.map { .string($0.description) }),
                                "problems": .array(problems.map { .string($0) }),
                            ] as JSONValue, pretty: true))
                } else {
                    Push.printDiff(state: state, draft: draft, target: target)
                    for problem in problems { Output.line("✗ \(problem)") }
                }
                return problems.isEmpty ? .success : .invalidInput
            }
        }
    }

    struct Push: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate FILE locally, show the diff, send it, and wait for the device's report.",
            discussion: """
                The file is validated first with the daemon's own validation (every problem with its path; nothing \
                is sent if one is found; --no-validate sends anyway, to see the device refuse it). Then, per \
                device: the diff against the retained desired configuration, the new revision (one above any the \
                device has seen) published retained on config/desired, and the device's config/reported awaited. \
                DEVICE may be several, comma-separated, or a pattern with + (jongno-gu/streetlight/+); progress is \
                shown per device. Exit status: 0 applied everywhere, 2 rejected or ignored, 3 rolled back, 4 no \
                report within --timeout, 65 invalid file (the worst over all devices).
                  curbctl config push pole-0417 streetlight.yaml
                  curbctl config push 'jongno-gu/streetlight/+' streetlight.yaml --timeout 60
                  curbctl config push pole-0417 streetlight.yaml --sign ~/.config/curbside/ops-2026.key
                Signed documents are valid for --valid-for seconds (default one day; the device's limit is \
                config_max_validity_s).
                """)

        @OptionGroup var broker: BrokerOptions
        @Argument(help: "Device(s): site/kind/id, a unique id, a pattern with +, comma-separated.") var device: String
        @Argument(help: "The configuration file.") var file: String
        @Option(help: "Revision to send (default: one above any the device has seen).") var revision: Int?
        @Option(help: "Seconds to wait for each device's report (its health window is 10 s by default).")
        var timeout: Double = 30
        @Flag(help: "Validate and show the diff; send nothing.") var dryRun = false
        @Flag(help: "Skip the local validation (the device still validates).") var noValidate = false
        @OptionGroup var signing: SigningOptions

        func run() async throws {
            try await Output.run { () async throws(FleetError) -> ExitStatus in
                let draft = try ConfigurationDraft.load(file: file)
                let key = try signing.key()
                let connection = try await broker.connect()
                defer { connection.close() }
                let targets = try await Targets.resolve(device, on: connection)
                if !noValidate {
                    for kind in Set(targets.map(\.kind)).sorted() {
                        guard let problems = DeviceKinds.problems(kind: kind, device: draft.device) else {
                            Output.error("note: no local validator for kind \(kind); the device validates it\n")
                            continue
                        }
                        guard problems.isEmpty else {
                            Output.error("\(file) is not a valid \(kind) configuration; nothing was sent:\n")
                            for problem in problems { Output.error("  ✗ \(problem)\n") }
                            return .invalidInput
                        }
                    }
                }
                if let named = draft.identity, targets.count == 1, named != targets[0] {
                    Output.error(
                        "note: \(file) is the configuration of \(named); its device section goes to \(targets[0])\n")
                }
                var worst = ExitStatus.success
                var bar = ProgressBar(label: "config push", interactive: Terminal.isTTY(2))
                for (index, target) in targets.enumerated() {
                    if targets.count > 1 { Output.line("[\(index + 1)/\(targets.count)] \(target)") }
                    let status = try await push(draft, to: target, on: connection, key: key)
                    if status != .success, worst == .success || status.rawValue > worst.rawValue { worst = status }
                    if targets.count > 1, let text = bar.update(index + 1, of: targets.count, detail: "\(target)") {
                        Output.error(text)
                    }
                }
                if targets.count > 1 { Output.line("\(targets.count) devices, worst outcome: exit \(worst.rawValue)") }
                return worst
            }
        }

        private func push(
            _ draft: ConfigurationDraft, to target: DeviceIdentity, on connection: FleetConnection, key: OperatorKey?
        ) async throws(FleetError) -> ExitStatus {
            let state = try await ConfigurationState.fetch(target, on: connection)
            Self.printDiff(state: state, draft: draft, target: target)
            let number = revision ?? state.nextRevision
            guard !dryRun else {
                Output.line("dry run: would send revision \(number) to \(target)")
                return .success
            }
            Output.line("sending revision \(number) to \(target); waiting for config/reported …")
            let report = try await ConfigPush.push(
                device: draft.device, revision: number, to: target, on: connection,
                timeout: .milliseconds(Int(timeout * 1000)), signedBy: key,
                validity: .seconds(signing.validFor ?? 86_400))
            guard let report else {
                Output.error(
                    "curbctl: no report on revision \(number) from \(target) within \(Text.number(timeout)) s\n")
                return .timeout
            }
            Output.line(
                "\(report.status.rawValue)  \(target) revision \(report.revision) (active \(report.activeRevision))")
            for error in report.errors ?? [] { Output.line("  ✗ \(error)") }
            return ConfigPush.exitStatus(of: report)
        }

        static func printDiff(state: ConfigurationState, draft: ConfigurationDraft, target: DeviceIdentity) {
            let lines = ConfigDiff.lines(from: state.desiredDevice, to: draft.device)
            if state.desiredDevice == nil {
                Output.line(
                    "\(target) has no desired configuration yet (it runs its local file); the whole section is new:")
            } else if lines.isEmpty {
                Output.line(
                    "\(target): no change against desired revision \(state.desired?["revision"]?.intValue ?? 0)")
            } else {
                Output.line("\(target): changes against desired revision \(state.desired?["revision"]?.intValue ?? 0):")
            }
            for line in lines { Output.line("  \(line)") }
        }
    }
}
