import AgentRuntime
import StreetlightDevice
import StreetlightLogic

/// streetlightd's commands: `set-level`, `clear-override`, `set-profile`, `identify`, `self-test`.
enum StreetlightCommands {
    struct SetLevel: SnakeCaseArguments, Sendable {
        var level: Double
        var durationS: Double?
    }

    struct SetProfile: Decodable, Sendable {
        struct Entry: Decodable, Sendable {
            var from: String
            var level: Double
        }
        var profile: [Entry]
    }

    struct Identify: Decodable, Sendable {
        var seconds: Double?
    }

    static func register(on router: CommandRouter, controller: StreetlightController) async {
        await router.register("set-level", arguments: SetLevel.self) { args in
            guard (0...100).contains(args.level) else {
                return .rejected(reason: "out-of-range", message: "level must be 0…100 %, got \(args.level)")
            }
            if let duration = args.durationS, !(1...604_800).contains(duration) {
                return .rejected(reason: "out-of-range", message: "duration_s must be 1…604800, got \(duration)")
            }
            // Refused at any hour: an override without a duration set by day would still be in force at night.
            if let refusal = await controller.configuration.nightEnvelopeRefusal(levelPercent: args.level) {
                return .outsideEnvelope(refusal)
            }
            await controller.setLevel(percent: args.level, durationSeconds: args.durationS)
            return .accepted(["level": .number(args.level), "layer": "override"])
        }
        await router.register("clear-override") {
            await controller.clearOverride()
            return .accepted(nil)
        }
        await router.register("set-profile", arguments: SetProfile.self) { args in
            var entries: [StreetlightSettings.ProfileEntry] = []
            for (index, entry) in args.profile.enumerated() {
                let parts = entry.from.split(separator: ":").compactMap { Int($0) }
                guard parts.count == 2, (0..<24).contains(parts[0]), (0..<60).contains(parts[1]),
                    (0...100).contains(entry.level)
                else {
                    return .rejected(
                        reason: "invalid-arguments",
                        message:
                            "profile[\(index)]: expected {from: \"HH:MM\", level: 0…100}, got \(entry.from), \(entry.level)"
                    )
                }
                if let refusal = await controller.configuration.nightEnvelopeRefusal(levelPercent: entry.level) {
                    return .outsideEnvelope("profile[\(index)]: \(refusal)")
                }
                entries.append(.init(startMinuteOfDay: parts[0] * 60 + parts[1], levelPercent: entry.level))
            }
            await controller.setProfile(entries.sorted { $0.startMinuteOfDay < $1.startMinuteOfDay })
            return .accepted(["entries": .number(Double(entries.count))])
        }
        await router.register("identify", arguments: Identify.self) { args in
            let seconds = args.seconds ?? 30
            guard (1...600).contains(seconds) else {
                return .rejected(reason: "out-of-range", message: "seconds must be 1…600")
            }
            await controller.identify(seconds: seconds)
            return .accepted(["seconds": .number(seconds)])
        }
        await router.register("self-test") {
            let (passed, details) = await controller.selfTest(settle: .seconds(2))
            var result = details
            result["passed"] = .bool(passed)
            return .accepted(.object(result))
        }
    }
}
