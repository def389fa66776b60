import AgentRuntime
import ChargerDevice
import ChargerLogic
import ConfigSupport

/// chargerd's commands: `authorize`, `stop-session`, `set-current-limit`, `reset-fault`.
enum ChargerCommands {
    struct Authorize: SnakeCaseArguments, Sendable {
        var idTag: String
    }

    struct SetCurrentLimit: SnakeCaseArguments, Sendable {
        /// Amperes per phase; absent or null lifts the limit.
        var amps: Double?
    }

    static func register(on router: CommandRouter, controller: ChargerController) async {
        await router.register("authorize", arguments: Authorize.self) { args in
            guard (1...36).contains(args.idTag.count) else {
                return .rejected(reason: "invalid-arguments", message: "id_tag must have 1…36 characters")
            }
            if let refusal = await controller.authorize(idTag: args.idTag) {
                return .rejected(reason: "refused", message: refusal)
            }
            return .accepted(["state": .string(await controller.machine.state.rawValue)])
        }
        await router.register("stop-session") {
            if let refusal = await controller.stopSession(reason: .remote) {
                return .rejected(reason: "refused", message: refusal)
            }
            return .accepted(["state": .string(await controller.machine.state.rawValue)])
        }
        // From the energy management system. A limit is a maximum, not a demand: one above the local ceiling is held
        // to the ceiling and accepted, as a charge point combines an OCPP charging profile with its own physical limits
        // (the lowest wins) rather than rejecting it. Refusing would leave the previous limit in force and fail every
        // EMS that sends one feeder limit to chargers of different ratings; the reply names the envelope instead.
        await router.register("set-current-limit", arguments: SetCurrentLimit.self) { args in
            if let amps = args.amps, !(0...80).contains(amps) {
                return .rejected(reason: "out-of-range", message: "amps must be 0…80 A, got \(amps)")
            }
            let envelope = await controller.configuration.currentEnvelope
            let offered = await controller.setCurrentLimit(amps: args.amps)
            var reply: [String: JSONValue] = [
                "limit_a": args.amps.map { .number($0) } ?? .null, "offered_a": .number(offered),
                "ceiling_a": .number(envelope.bound),
            ]
            if let amps = args.amps, let refusal = envelope.refusal(amps) {
                reply["envelope"] = .string("\(refusal): held to \(envelope.bound) A")
            }
            return .accepted(.object(reply))
        }
        await router.register("reset-fault") {
            if let refusal = await controller.resetFault() {
                return .rejected(reason: "refused", message: refusal)
            }
            return .accepted(["state": .string(await controller.machine.state.rawValue)])
        }
    }
}
