public import AgentRuntime
public import ConfigSupport
import Yams

extension DeviceConfiguration {
    /// Reads a `device` section from YAML text as the daemon reads its file (paths under `$.device`): the section, or
    /// nil with every problem found.
    public static func read(yaml: String) throws -> (configuration: Self?, issues: [ConfigIssue]) {
        var reader = NodeReader()
        let configuration = read(&reader, try Yams.compose(yaml: yaml), at: JSONPath.root.appending("device"))
        return (configuration, reader.issues)
    }
}
