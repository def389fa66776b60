import ArgumentParser
import Foundation
import RigServer

/// The virtual rig: hosts a simulated board (GPIO chips, I²C buses with simulated chips) behind a control socket
/// that daemons (`hal: {backend: sim}`) and scenarios connect to.
@main
struct CurbRig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "curb-rig", abstract: "Curbside virtual rig.", subcommands: [Serve.self, Check.self])

    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Serve a rig file on a control socket.")

        @Option(name: .long, help: "Rig file (YAML), e.g. Firmware-config/rigs/bench.yaml.")
        var rig: String

        @Option(name: .long, help: "Control socket path (JSON lines; see Firmware-config/rigs/PROTOCOL.md).")
        var socket: String

        func run() async throws {
            let virtualRig: VirtualRig
            do {
                virtualRig = try VirtualRig(file: try RigFile.load(file: rig, knownChips: SimulatedChipCatalog.names))
            } catch {
                FileHandle.standardError.write(Data("\(error)\n".utf8))
                throw ExitCode(78)
            }
            let socketPath = socket
            try await RigServer.run(rig: virtualRig, socketPath: socket) {
                FileHandle.standardOutput.write(
                    Data("curb-rig: \(virtualRig.file.name) (board \(virtualRig.boardID)) on \(socketPath)\n".utf8))
            }
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
