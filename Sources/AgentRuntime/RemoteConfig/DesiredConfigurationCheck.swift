public import ConfigSupport
import FoundationEssentials
import Glibc
public import Yams

/// The problems found in the `config` object of a desired configuration, each with its JSON path
/// (`$.config.device.lux_on: expected number 0…100000 lx, got "bright"`).
public struct DesiredConfigurationErrors: Error, Sendable, Hashable {
    /// One line per problem, in the order found.
    public var errors: [String]
    /// The problems `errors`.
    public init(_ errors: [String]) { self.errors = errors }
}

/// What may be set remotely, in one place for the daemon and for the operator's tools.
public enum DesiredConfigurationCheck {
    /// The keys of `config` a desired configuration may carry: the `device` section only. Identity, broker,
    /// credentials, board and backend stay local: a remote change there could cut the device off for good.
    public static var remoteRuntimeKeys: [String] { ["device"] }
}

extension DesiredSettingsReader {
    /// Validates the `config` object of a desired configuration exactly as the daemon does before applying it: only
    /// remotely settable keys, and the `device` section read by the device's own reader, every problem with its path
    /// under `$.config`.
    public func validate(desired config: JSONValue) -> Result<Settings, DesiredConfigurationErrors> {
        guard case .object(let keys) = config else {
            return .failure(DesiredConfigurationErrors(["$.config: expected an object"]))
        }
        let allowed = DesiredConfigurationCheck.remoteRuntimeKeys
        var errors: [String] = []
        for key in keys.keys.sorted() where !allowed.contains(key) {
            let hint = NearestMatch.suggestion(for: key, among: allowed).map { "; did you mean \"\($0)\"?" }
            errors.append(
                "$.config.\(key): not remotely configurable (allowed: \(allowed.joined(separator: ", ")))\(hint ?? "")")
        }
        // JSON is YAML, so the device reads the candidate with the same code and the same paths as the local file.
        var reader = NodeReader()
        let text = String(decoding: (try? JSONEncoder().encode(keys["device"] ?? .null)) ?? Data(), as: UTF8.self)
        let node = keys["device"] == nil ? nil : (try? Yams.compose(yaml: text)) ?? nil
        let settings = read(&reader, node, at: JSONPath.root.appending("config").appending("device"))
        errors += reader.issues.map { issue in
            var copy = issue
            copy.sourceLine = nil
            return copy.description
        }
        guard errors.isEmpty, let settings else { return .failure(DesiredConfigurationErrors(errors)) }
        return .success(settings)
    }
}

/// A `device` section read by its own declaration, with its local-only `hardware` part refused when it differs from
/// the device's local file. The daemon knows its local section (`RemoteDevice`); an operator's tool that does not
/// (`local` nil) checks everything else and leaves the hardware comparison to the device.
public struct DeviceSectionReader<Configuration: DeviceConfiguration>: DesiredSettingsReader {
    public typealias Settings = Configuration
    /// The local file's section, whose local-only part stays; nil when unknown.
    public let local: Configuration?

    /// A reader that compares the hardware section with `local`, or leaves that to the device (nil).
    public init(local: Configuration?) { self.local = local }

    /// Reads the candidate with the section's own declaration, then compares its hardware section with the local one.
    public func read(_ reader: inout NodeReader, _ node: Node?, at path: JSONPath) -> Configuration? {
        guard let candidate = Configuration.read(&reader, node, at: path) else { return nil }
        // Refused at validation, with its path, so the operator sees `rejected` and nothing is applied.
        if let local, candidate.hardware != local.hardware {
            reader.report(
                .invalidValue, at: path.appending("hardware"),
                expected: "the device's local hardware section unchanged (local configuration only)",
                found: "a different hardware section", node: hardwareNode(node))
            return nil
        }
        return candidate
    }

    private func hardwareNode(_ node: Node?) -> Node? {
        guard case .mapping(let mapping)? = node else { return node }
        return mapping["hardware"] ?? node
    }
}
