public import ArgumentParser
import FoundationEssentials

/// `--config FILE`, shared by the device-side commands; without it, the one configuration in /etc/curbside/.
public struct ConfigOption: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "A daemon's configuration file (the one it runs with).",
            discussion: "Default: the only *.yaml in /etc/curbside/ (a board runs one device daemon).",
            valueName: "file"))
    public var config: String?

    public init() {}

    /// The configuration to use: `--config`, else the single file in `directory`.
    public func resolve(directory: String = "/etc/curbside") throws -> String {
        if let config { return config }
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(".yaml") }.sorted()
        guard files.count == 1 else {
            throw ValidationError(
                files.isEmpty
                    ? "no configuration in \(directory): give --config FILE (or run curbctl provision first)"
                    : "several configurations in \(directory) (\(files.joined(separator: ", "))): give --config FILE")
        }
        return directory + "/" + files[0]
    }
}
