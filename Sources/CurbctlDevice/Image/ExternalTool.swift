import FoundationEssentials

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
        let child = try ChildProcess(tool, arguments, environment: environment, package: packages[tool] ?? tool)
        let printed = try child.readToEnd()
        let status = child.wait()
        return Result(status: status, output: printed, errors: child.errors)
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
