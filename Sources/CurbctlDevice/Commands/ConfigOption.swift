public import ArgumentParser
import FoundationEssentials

/// `--config FILE`, shared by the device-side commands; without it, the one configuration in /etc/curbside/.
public struct ConfigOption: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "A daemon's configuration file (the one it runs with).",
            discussion:
                "Default: the configuration in /etc/curbside/ of the daemon whose unit is enabled (curbctl provision enables one).",
            valueName: "file"))
    public var config: String?

    public init() {}

    /// The configuration to use: `--config`; else the one file in `directory`; else (the package ships one per
    /// daemon) the one whose daemon's unit is enabled — `curbctl provision` enables exactly one.
    public func resolve(directory: String = "/etc/curbside", root: String = "") throws -> String {
        if let config { return config }
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: root + directory)) ?? [])
            .filter { $0.hasSuffix(".yaml") }.sorted()
        let enabled = files.filter {
            let unit = "/etc/systemd/system/multi-user.target.wants/\($0.dropLast(5)).service"
            return (try? FileManager.default.destinationOfSymbolicLink(atPath: root + unit)) != nil
        }
        guard let file = files.count == 1 ? files.first : enabled.count == 1 ? enabled.first : nil else {
            throw ValidationError(
                files.isEmpty
                    ? "no configuration in \(directory): give --config FILE (or run curbctl provision first)"
                    : "\(enabled.count) enabled daemons' configurations in \(directory) (\(files.joined(separator: ", "))): "
                        + "give --config FILE")
        }
        return "\(directory)/\(file)"
    }
}
