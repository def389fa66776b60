import AgentRuntime
import CurbctlFleet

/// Devices named on the command line: `site/kind/id`, a unique id, a pattern with `+` (`jongno-gu/streetlight/+`),
/// or several of these separated by commas.
enum Targets {
    static func resolve(_ text: String, on connection: FleetConnection) async throws(FleetError) -> [DeviceIdentity] {
        var found: [DeviceIdentity] = []
        for part in text.split(separator: ",").map(String.init) {
            let segments = part.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            if segments.contains("+") {
                guard segments.count == 3 else {
                    throw FleetError(.invalidInput, detail: "\"\(part)\": a pattern is site/kind/id with + for any")
                }
                let matched = try await FleetSurvey.run(
                    on: connection, site: segments[0], kind: segments[1], device: segments[2], listen: .zero)
                guard !matched.isEmpty else {
                    throw FleetError(
                        .unknownDevice, broker: connection.broker, detail: "no device matches \(part)")
                }
                found += matched.map(\.identity)
            } else {
                found.append(try await DeviceAddress(parsing: part).resolve(on: connection))
            }
        }
        var seen: Set<DeviceIdentity> = []
        return found.filter { seen.insert($0).inserted }
    }
}
