import ArgumentParser
import Foundation
import RigServer
import ScenarioRunner

/// The virtual rig: hosts a simulated board (GPIO chips, I²C buses with simulated chips) behind a control socket
/// that daemons (`hal: {backend: rig}`) and scenarios connect to.
@main
struct CurbRig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "curb-rig", abstract: "Curbside virtual rig.", subcommands: [Serve.self, Check.self, Run.self])

    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Serve a rig file on a control socket.")

        @Option(name: .long, help: "Rig file (YAML), e.g. Firmware-config/rigs/bench.yaml.")
        var rig: String

        @Option(name: .long, help: "Control socket path (JSON lines; see Firmware-config/rigs/PROTOCOL.md).")
        var socket: String

        @Option(
            name: .long, help: "Folder for ${RUN_DIR} in the rig file's RTU links (default: a fresh temporary one).")
        var runDir: String?

        func run() async throws {
            let virtualRig: VirtualRig
            do {
                virtualRig = try VirtualRig(
                    file: try RigFile.load(file: rig, knownChips: SimulatedChipCatalog.names), runDirectory: runDir)
            } catch {
                FileHandle.standardError.write(Data("\(error)\n".utf8))
                throw ExitCode(78)
            }
            let socketPath = socket
            try await RigServer.run(rig: virtualRig, socketPath: socket) {
                // Ports and links are chosen per run; say where they are.
                let modbus = virtualRig.modbusDevices.map { "\($0.name) \($0.endpoint)" }.joined(separator: ", ")
                FileHandle.standardOutput.write(
                    Data(
                        ("curb-rig: \(virtualRig.file.name) (board \(virtualRig.boardID)) on \(socketPath)"
                            + (modbus.isEmpty ? "" : "; Modbus: \(modbus)") + "\n").utf8))
            }
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run HIL scenarios against the rig and the daemons they name; exit 1 if any fails.")

        @Argument(help: "Scenario files (YAML), e.g. Tests/Scenarios/*.yaml.")
        var scenarios: [String]

        @Option(name: .long, help: "Write a JUnit XML report here.")
        var junit: String?

        func run() async throws {
            let executables = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
                .deletingLastPathComponent()
            var results: [ScenarioResult] = []
            for file in scenarios {
                let scenario: Scenario
                do {
                    scenario = try Scenario.load(file: file)
                } catch {
                    print("INVALID \(error)")
                    results.append(
                        ScenarioResult(
                            name: file, file: file, duration: .zero, steps: [], failure: "\(error)", daemonOutput: ""))
                    continue
                }
                let result = await ScenarioRunner.run(scenario, executables: executables)
                print("\(result.passed ? "PASS" : "FAIL") \(result.name) (\(result.duration))")
                print(JUnitReport.steps(result).split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
                if let failure = result.failure { print("  → \(failure)") }
                results.append(result)
            }
            if let junit {
                try JUnitReport.xml(results).write(toFile: junit, atomically: true, encoding: .utf8)
            }
            let failed = results.filter { !$0.passed }.count
            print("\(results.count - failed) passed, \(failed) failed")
            if failed > 0 { throw ExitCode(1) }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Validate a rig file and exit.")

        @Argument(help: "Rig files.")
        var files: [String]

        func run() throws {
            var failed = false
            for file in files {
                do {
                    _ = try VirtualRig(file: try RigFile.load(file: file, knownChips: SimulatedChipCatalog.names))
                    print("\(file): valid")
                } catch {
                    print("\(error)")
                    failed = true
                }
            }
            if failed { throw ExitCode(1) }
        }
    }
}
