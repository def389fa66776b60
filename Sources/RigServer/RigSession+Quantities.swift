import HAL
import RigProtocol

extension RigSession {
    /// `chip.*`, `modbus.*` and `model.*` quantity ops: set a physical input (held against models until released),
    /// read one quantity or all of them.
    func quantity(_ request: RigMessage) -> RigMessage {
        let id = request.id
        guard let op = request.op, let name = request.name else {
            return .failure(id, code: "invalid-request", "missing \"name\" (a device or model name from the rig file)")
        }
        let family = op.split(separator: ".").first.map(String.init) ?? ""
        let action = op.split(separator: ".").last.map(String.init) ?? ""
        let (candidates, what, listed): ([any RigQuantities], String, String) =
            switch family {
            case "chip": (rig.devices, "chip", "chips")
            case "modbus": (rig.modbusDevices, "Modbus device", "devices")
            default: (rig.models, "model", "models")
            }
        guard let target = candidates.first(where: { $0.name == name }) else {
            return .failure(
                id, code: "not-found",
                "no \(what) \"\(name)\"; \(listed): \(candidates.map(\.name).joined(separator: ", "))")
        }
        let names = target.quantityNames
        let read = target.value
        switch action {
        case "get":
            if let quantity = request.quantity {
                guard let value = read(quantity) else {
                    return .failure(
                        id, code: "not-found",
                        "\(name) has no quantity \"\(quantity)\"; it has \(names.joined(separator: ", "))")
                }
                return .success(id).with { $0.number = value }
            }
            return .success(id).with { response in
                response.numbers = Dictionary(
                    uniqueKeysWithValues: names.compactMap { key in read(key).map { (key, $0) } })
            }
        case "release":
            guard let quantity = request.quantity else {
                return .failure(id, code: "invalid-request", "missing \"quantity\"")
            }
            target.release(quantity)
            return .success(id)
        default:
            var values = request.numbers ?? [:]
            if let quantity = request.quantity {
                guard let number = request.number else {
                    return .failure(id, code: "invalid-request", "missing \"number\" for \"\(quantity)\"")
                }
                values[quantity] = number
            }
            guard !values.isEmpty else {
                return .failure(id, code: "invalid-request", "missing \"quantity\" and \"number\" (or \"numbers\")")
            }
            guard target.hold(values) else {
                return .failure(
                    id, code: "invalid-request",
                    "\(name) cannot set \(values.keys.sorted().joined(separator: ", ")); settable: \(names.joined(separator: ", "))"
                )
            }
            return .success(id)
        }
    }

    /// `modbus.fault`: `silent`, `crc`, `garbage`, `busy` (exception 6), `slow` (500 ms late) or `clear`, for `count`
    /// requests (all until cleared when absent).
    func modbusFault(_ request: RigMessage) -> RigMessage {
        guard let name = request.name, let device = rig.modbusDevice(named: name) else {
            return .failure(request.id, code: "not-found", "no Modbus device \"\(request.name ?? "")\"")
        }
        let fault: SimulatedModbusDevice.Fault
        switch request.fault {
        case "silent": fault = .silent
        case "crc": fault = .badChecksum
        case "garbage": fault = .garbage([0xDE, 0xAD, 0xBE, 0xEF, 0x00, 0xFF, 0x13])
        case "busy": fault = .exception(.serverDeviceBusy)
        case "slow": fault = .delay(.milliseconds(500))
        case "clear":
            device.instance.device.clearFault()
            return .success(request.id)
        default:
            return .failure(
                request.id, code: "invalid-request", "fault must be silent, crc, garbage, busy, slow or clear")
        }
        device.instance.device.inject(fault, count: request.count)
        return .success(request.id)
    }
}
