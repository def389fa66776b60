import Glibc

/// Several daemons in one binary, busybox-style (the `curbside` executable): the daemon is the name the binary was
/// run as (`/usr/bin/streetlightd`, a link to `curbside`), or else its first argument (`curbside streetlightd
/// --config …`). The daemon then parses the rest of the command line exactly as its own executable does: the same
/// options, `--help`, exit statuses, signals and systemd notifications, as it is the same code.
public enum MultiCall {
    /// What a command line asks for: a daemon and the arguments after its name, or a message and an exit status.
    public enum Dispatch: Equatable, Sendable {
        case run(daemon: String, arguments: [String])
        /// `toStandardError` for a usage error (status 64, EX_USAGE), standard output for `--help` and `--version`.
        case exit(status: Int32, message: String, toStandardError: Bool)
    }

    /// Reads `commandLine` (`CommandLine.arguments`): `program` is the multi-call binary's own name, `daemons` the
    /// names and one-line summaries of the daemons it holds.
    public static func dispatch(
        _ commandLine: [String], program: String, daemons: [(name: String, summary: String)]
    ) -> Dispatch {
        let names = daemons.map(\.name)
        let invokedAs = commandLine.first.map { String($0.split(separator: "/").last ?? "") } ?? program
        if names.contains(invokedAs) { return .run(daemon: invokedAs, arguments: Array(commandLine.dropFirst())) }
        let arguments = commandLine.dropFirst()
        guard let first = arguments.first else {
            return .exit(status: 64, message: usage(program, daemons), toStandardError: true)
        }
        if names.contains(first) { return .run(daemon: first, arguments: Array(arguments.dropFirst())) }
        switch first {
        case "-h", "--help", "help":
            return .exit(status: 0, message: usage(program, daemons), toStandardError: false)
        case "--version":
            return .exit(status: 0, message: CurbsideVersion.current, toStandardError: false)
        default:
            return .exit(
                status: 64,
                message: "\(program): no daemon named '\(first)'; one of: \(names.joined(separator: ", ")) "
                    + "(\(program) --help)",
                toStandardError: true)
        }
    }

    /// Runs the daemon the command line names, or prints the usage or the error and exits.
    public static func main(program: String, daemons: [any DeviceDaemon.Type]) async -> Never {
        switch dispatch(CommandLine.arguments, program: program, daemons: daemons.map { ($0.name, $0.summary) }) {
        case .run(let name, let arguments):
            // `dispatch` only names daemons of the list.
            if let daemon = daemons.first(where: { $0.name == name }) { await daemon.main(arguments: arguments) }
            exit(0)
        case .exit(let status, let message, let toStandardError):
            if toStandardError {
                // Standard error by its descriptor: Glibc's `stderr` is a global the strict concurrency check refuses.
                let bytes = Array((message + "\n").utf8)
                _ = bytes.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count) }
            } else {
                print(message)
            }
            exit(status)
        }
    }

    static func usage(_ program: String, _ daemons: [(name: String, summary: String)]) -> String {
        let width = (daemons.map(\.name.count).max() ?? 0) + 2
        let rows = daemons.map { "  " + $0.name.padding(width) + $0.summary }
        return """
            OVERVIEW: Curbside daemons in one binary.

            USAGE: \(program) <daemon> --config <config> [--check-config]
                   <daemon> --config <config> [--check-config]   (run through a link named after the daemon)

            DAEMONS:
            \(rows.joined(separator: "\n"))

            See '\(program) <daemon> --help' for a daemon's options.
            """
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
