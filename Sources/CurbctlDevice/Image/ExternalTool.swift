import Foundation

/// Runs the system tools image building and provisioning use (sfdisk, debugfs, mtools, dpkg-deb, openssl,
/// systemctl) to completion, with standard output and standard error kept apart.
enum ExternalTool {
    struct Result {
        var status: Int32
        var output: Data
        var errors: String
        var text: String { String(decoding: output, as: UTF8.self) }
    }

    /// The Debian package each tool comes from, for the hint when it is missing.
    static let packages = [
        "sfdisk": "fdisk", "debugfs": "e2fsprogs", "mcopy": "mtools", "mtype": "mtools", "xz": "xz-utils",
        "dpkg-deb": "dpkg", "systemctl": "systemd",
    ]

    /// Runs `tool` (found on the PATH) with `arguments` and `environment` added to ours.
    static func run(_ tool: String, _ arguments: [String], environment: [String: String] = [:]) throws(ImageError)
        -> Result
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        let output = Pipe()
        // Standard error goes to a file: a tool that filled a second pipe while we read the first would stall.
        let errorsPath = FileManager.default.temporaryDirectory.appendingPathComponent(
            "curbctl-\(tool)-\(UUID().uuidString.prefix(8)).err")
        guard FileManager.default.createFile(atPath: errorsPath.path, contents: nil),
            let errors = FileHandle(forWritingAtPath: errorsPath.path)
        else { throw ImageError(.outputFailed, "cannot create \(errorsPath.path) for \(tool)'s messages") }
        defer {
            try? errors.close()
            try? FileManager.default.removeItem(at: errorsPath)
        }
        process.standardOutput = output
        process.standardError = errors
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        do {
            try process.run()
        } catch {
            throw ImageError(
                .toolFailed, "\(tool) cannot be started: \(error) (apt-get install \(packages[tool] ?? tool))")
        }
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let messages = (try? String(contentsOf: errorsPath, encoding: .utf8)) ?? ""
        let result = Result(status: process.terminationStatus, output: printed, errors: messages)
        if result.status == 127 {
            throw ImageError(.toolFailed, "\(tool) is not installed (apt-get install \(packages[tool] ?? tool))")
        }
        return result
    }

    /// Like ``run(_:_:environment:)``, but a non-zero exit is an error that quotes what the tool said.
    static func checked(_ tool: String, _ arguments: [String], environment: [String: String] = [:])
        throws(ImageError) -> Result
    {
        let result = try run(tool, arguments, environment: environment)
        guard result.status == 0 else {
            throw ImageError(
                .toolFailed,
                "\(tool) \(arguments.joined(separator: " ")) failed (status \(result.status)): "
                    + (result.errors.isEmpty ? result.text : result.errors))
        }
        return result
    }
}
