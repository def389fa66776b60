import AgentRuntime
import ChargerDevice
import ChargerLogic

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
        // From the energy management system; the local ceiling (hardware.ceiling_a) still caps what is offered.
        await router.register("set-current-limit", arguments: SetCurrentLimit.self) { args in
            if let amps = args.amps, !(0...80).contains(amps) {
                return .rejected(reason: "out-of-range", message: "amps must be 0…80 A, got \(amps)")
            }
            let offered = await controller.setCurrentLimit(amps: args.amps)
            return .accepted([
                "limit_a": args.amps.map { .number($0) } ?? .null, "offered_a": .number(offered),
                "ceiling_a": .number(await controller.machine.ceilingAmps),
            ])
        }
        await router.register("reset-fault") {
            if let refusal = await controller.resetFault() {
                return .rejected(reason: "refused", message: refusal)
            }
            return .accepted(["state": .string(await controller.machine.state.rawValue)])
        }
    }
}
