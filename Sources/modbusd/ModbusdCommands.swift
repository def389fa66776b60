import AgentRuntime
import ModbusBridgeDevice
import ModbusBridgeLogic

/// modbusd's commands: `write {point, value, device?}`.
enum ModbusdCommands {
    struct Write: Decodable, Sendable {
        var point: String
        var value: JSONValue
        /// Needed only when several devices have a point of that name.
        var device: String?
    }

    static func register(on router: CommandRouter, controller: ModbusBridgeController) async {
        await router.register("write", arguments: Write.self) { args in
            let value: WriteValue
            switch args.value {
            case .number(let number): value = .number(number)
            case .bool(let bit): value = .bool(bit)
            case .string(let text): value = .string(text)
            default:
                return .rejected(
                    reason: CommandReason.invalidArguments.rawValue,
                    message: "args.value: expected a number, boolean or string, got \(args.value.typeName)")
            }
            do throws(PointWriteFailure) {
                let device = try await controller.resolve(point: args.point, device: args.device)
                let readBack = try await device.write(args.point, value)
                return .accepted(["device": .string(device.name), "point": .string(args.point), "read_back": readBack])
            } catch {
                switch error.reason {
                case .unknownPoint, .notWritable, .outOfRange:
                    return .rejected(reason: error.reason.rawValue, message: error.message)
                case .device, .readBack:
                    throw CommandFailure(reason: error.reason.rawValue, message: error.message)
                }
            }
        }
    }
}
