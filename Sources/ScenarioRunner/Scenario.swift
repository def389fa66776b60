public import ConfigSupport
import Foundation
import Yams

/// A HIL scenario file (`Tests/Scenarios/*.yaml`): the rig to start, the daemons to run against it, and steps.
///
/// ```yaml
/// scenario: agent answers commands
/// rig: ../../Firmware-config/rigs/bench.yaml
/// broker: local                  # start a mosquitto on a free loopback port
/// daemons:
///   - {run: curb-agent, config: agent.yaml}   # ${BROKER_URL}, ${RIG_SOCKET}, ${STATE_DIR} are filled in
/// steps:
///   - set_input: {line: walkButton, high: true}
///   - wait_ms: 100
///   - expect_output: {line: beacon, high: true, within_ms: 500}
///   - publish: {topic: "curb/v1/…/cmd/ping", payload: '{"id":"p1"}'}
///   - expect_message: {topic: "curb/v1/…/cmd/ping/result", contains: '"status":"accepted"', within_ms: 2000}
///   - expect_no_message: {topic: "curb/v1/…/status", contains: '"state":"offline"', within_ms: 1000}
///   - i2c_fault: {bus: sim-i2c-0, address: 0x50, fault: nack, count: 1}
///   - unplug: {bus: sim-i2c-0, address: 0x50}
///   - plug: {bus: sim-i2c-0, address: 0x50}
///   - gpio_fault: {line: beacon, count: 3}   # the daemon's next 3 reads/writes of the line fail
///   - broker: stop                 # the local broker goes away (daemons keep running) …
///   - broker: start                # … and comes back on the same port
///   - restart_daemon: 0            # SIGTERM the first daemon, wait for it to exit, start it again (same config)
/// ```
///
/// Message steps (`expect_message`, `expect_no_message`) look only at messages that arrived after the previous step
/// completed. An `expect_message` step completes with the message that satisfied it, `expect_no_message` when its
/// window ends, a step that acts (`publish`, `set_input`, `set`, faults, `broker`) when it starts acting — what it
/// causes may arrive before it returns — and every other step when it returns (a `wait_ms` after its wait, an `expect_output` once the output
/// matched); the first step sees what arrived after the runner's observer subscribed, before any daemon started.
public struct Scenario: Sendable, Hashable {
    public enum Step: Sendable, Hashable {
        case setInput(line: String, high: Bool)
        case wait(Duration)
        case expectOutput(line: String, high: Bool, within: Duration)
        case publish(topic: String, payload: String, retain: Bool)
        /// A message on `topic` (containing `contains`) arrives after the previous step, within `within`.
        case expectMessage(topic: String, contains: String?, within: Duration)
        /// No such message arrives after the previous step during `within`; fails on the first one that does.
        case expectNoMessage(topic: String, contains: String?, within: Duration)
        case i2cFault(bus: String, address: Int, fault: String, count: Int)
        case unplug(bus: String, address: Int)
        case plug(bus: String, address: Int)
        /// Sets physical quantities of a rig device or model (`chip`, `modbus` or `model` family).
        case setQuantities(family: String, name: String, values: [String: Double])
        /// Waits until a quantity lies within the bounds.
        case expectQuantity(
            family: String, name: String, quantity: String, above: Double?, below: Double?, within: Duration)
        case modbusFault(name: String, fault: String, count: Int?)
        /// The next `count` operations of the daemon on a GPIO line fail.
        case gpioFault(line: String, count: Int)
        /// Stops or restarts the scenario's local broker (on the same port, so clients reconnect).
        case broker(start: Bool)
        /// Stops daemon `index` (of `daemons`) with SIGTERM and starts it again with the same configuration and state.
        case restartDaemon(index: Int)

        /// Whether the step acts on the rig or the broker. Its consequences can come back before it returns (a
        /// command's result while the publish call is still returning), so such a step completes, for the message
        /// steps after it, the moment it starts acting.
        public var acts: Bool {
            switch self {
            case .setInput, .publish, .i2cFault, .unplug, .plug, .setQuantities, .modbusFault, .gpioFault, .broker,
                .restartDaemon:
                true
            case .wait, .expectOutput, .expectMessage, .expectNoMessage, .expectQuantity: false
            }
        }

        /// How the step reads in reports.
        public var summary: String {
            switch self {
            case .setInput(let line, let high): "set \(line) \(high ? "high" : "low")"
            case .wait(let duration): "wait \(duration)"
            case .expectOutput(let line, let high, let within):
                "expect \(line) \(high ? "high" : "low") within \(within)"
            case .publish(let topic, _, _): "publish \(topic)"
            case .expectMessage(let topic, let contains, let within):
                "expect message on \(topic)" + (contains.map { " containing \($0)" } ?? "") + " within \(within)"
            case .expectNoMessage(let topic, let contains, let within):
                "expect no message on \(topic)" + (contains.map { " containing \($0)" } ?? "") + " for \(within)"
            case .i2cFault(let bus, let address, let fault, let count):
                "inject \(fault) ×\(count) at \(bus)@0x\(String(address, radix: 16))"
            case .unplug(let bus, let address): "unplug \(bus)@0x\(String(address, radix: 16))"
            case .plug(let bus, let address): "plug \(bus)@0x\(String(address, radix: 16))"
            case .setQuantities(let family, let name, let values):
                "set \(family) \(name) "
                    + values.keys.sorted().map { "\($0)=\(values[$0] ?? 0)" }.joined(separator: " ")
            case .expectQuantity(let family, let name, let quantity, let above, let below, let within):
                "expect \(family) \(name) \(quantity)" + (above.map { " > \($0)" } ?? "")
                    + (below.map { " < \($0)" } ?? "")
                    + " within \(within)"
            case .modbusFault(let name, let fault, let count):
                "inject Modbus \(fault)" + (count.map { " ×\($0)" } ?? "") + " at \(name)"
            case .gpioFault(let line, let count): "inject GPIO I/O error ×\(count) at \(line)"
            case .broker(let start): start ? "start the broker" : "stop the broker"
            case .restartDaemon(let index): "restart daemon \(index)"
            }
        }
    }

    public struct Daemon: Sendable, Hashable {
        public var executable: String
        /// Absolute path of the configuration template.
        public var config: String
    }

    public var name: String
    public var file: String
    /// Absolute path of the rig file.
    public var rig: String
    public var startsBroker: Bool
    public var daemons: [Daemon]
    public var steps: [Scenario.Step]

    /// Reads and validates a scenario; every problem at once, with paths.
    public static func load(file: String) throws(DocumentError) -> Scenario {
        try parse(YAMLDocument.load(file: file, what: "a scenario mapping"), file: file)
    }

    /// Validates a scenario's text, as `load` does once it has read `file` (relative paths resolve against the
    /// folder of `file`).
    public static func parse(_ text: String, file: String) throws(DocumentError) -> Scenario {
        try parse(YAMLDocument.parse(text, file: file, what: "a scenario mapping"), file: file)
    }

    private static func parse(_ root: Node, file: String) throws(DocumentError) -> Scenario {
        var reader = NodeReader()
        let folder = URL(fileURLWithPath: file).deletingLastPathComponent()
        func resolve(_ path: String) -> String {
            path.hasPrefix("/") ? path : folder.appendingPathComponent(path).standardizedFileURL.path
        }
        let path = JSONPath.root
        guard
            let top = reader.object(
                root, at: path, required: ["scenario", "rig", "steps"], optional: ["broker", "daemons"])
        else { throw DocumentError(.invalid, file: file, issues: reader.issues) }
        let name = top["scenario"].flatMap { reader.string($0, at: path.appending("scenario")) }
        let rig = top["rig"].flatMap {
            reader.string($0, at: path.appending("rig"), matching: { $0.hasSuffix(".yaml") }, what: "rig file path")
        }
        let broker = top["broker"].flatMap { reader.choice($0, at: path.appending("broker"), of: BrokerChoice.self) }
        var daemons: [Daemon] = []
        for (itemPath, item) in top["daemons"].map({ reader.list($0, at: path.appending("daemons"), of: "daemons") })
            ?? []
        {
            guard let keys = reader.object(item, at: itemPath, required: ["run", "config"], optional: []) else {
                continue
            }
            if let run = keys["run"].flatMap({ reader.string($0, at: itemPath.appending("run")) }),
                let config = keys["config"].flatMap({ reader.string($0, at: itemPath.appending("config")) })
            {
                daemons.append(Daemon(executable: run, config: resolve(config)))
            }
        }
        var steps: [Step] = []
        for (stepPath, node) in top["steps"].map({
            reader.list($0, at: path.appending("steps"), of: "steps", minimumCount: 1)
        }) ?? [] {
            if let step = readStep(node, at: stepPath, &reader) { steps.append(step) }
        }
        guard reader.issues.isEmpty, let name, let rig else {
            throw DocumentError(.invalid, file: file, issues: YAMLDocument.inFileOrder(reader.issues))
        }
        return Scenario(
            name: name, file: file, rig: resolve(rig), startsBroker: broker == .local, daemons: daemons, steps: steps)
    }

    private enum BrokerChoice: String, CaseIterable {
        case local
        case none
    }

    private enum BrokerAction: String, CaseIterable {
        case stop
        case start
    }

    private static let stepKinds = [
        "set_input", "wait_ms", "expect_output", "publish", "expect_message", "expect_no_message", "i2c_fault",
        "unplug", "plug", "set", "expect", "modbus_fault", "broker", "gpio_fault", "restart_daemon",
    ]
    private static let families = ["chip", "modbus", "model"]

    /// `{chip: ambient, lux: 5}`: the family key names the device; the other keys are quantities.
    private static func readQuantityTarget(_ node: Node, at path: JSONPath, _ reader: inout NodeReader)
        -> (family: String, name: String, rest: [(String, Node)])?
    {
        guard case .mapping(let mapping) = node else {
            _ = reader.object(node, at: path, required: ["chip"], optional: [])
            return nil
        }
        var target: (String, String)?
        var rest: [(String, Node)] = []
        for (keyNode, value) in mapping {
            guard let key = keyNode.string else { continue }
            if families.contains(key) {
                guard let name = reader.string(value, at: path.appending(key)) else { return nil }
                target = (key, name)
            } else {
                rest.append((key, value))
            }
        }
        guard let target else {
            reader.report(
                .missingKey, at: path, expected: "one of chip, modbus, model naming a rig device or model",
                found: "none", node: node)
            return nil
        }
        return (target.0, target.1, rest)
    }

    private static func readStep(_ node: Node, at path: JSONPath, _ reader: inout NodeReader) -> Step? {
        guard let keys = reader.object(node, at: path, required: [], optional: stepKinds) else { return nil }
        guard keys.count == 1, let (kind, value) = keys.first else {
            reader.report(
                .invalidValue, at: path, expected: "exactly one of " + stepKinds.joined(separator: ", "),
                found: "\(keys.count) step kinds", node: node)
            return nil
        }
        let here = path.appending(kind)
        switch kind {
        case "set":
            guard let target = readQuantityTarget(value, at: here, &reader) else { return nil }
            var values: [String: Double] = [:]
            for (key, node) in target.rest {
                guard let number = reader.number(node, at: here.appending(key), in: -1e12...1e12) else { return nil }
                values[key] = number
            }
            guard !values.isEmpty else {
                reader.report(.missingKey, at: here, expected: "at least one quantity", found: "none", node: value)
                return nil
            }
            return .setQuantities(family: target.family, name: target.name, values: values)
        case "expect":
            guard let target = readQuantityTarget(value, at: here, &reader) else { return nil }
            var quantity: String?
            var above: Double?
            var below: Double?
            var within = 2000
            for (key, node) in target.rest {
                switch key {
                case "quantity": quantity = reader.string(node, at: here.appending(key))
                case "above": above = reader.number(node, at: here.appending(key), in: -1e12...1e12)
                case "below": below = reader.number(node, at: here.appending(key), in: -1e12...1e12)
                case "within_ms":
                    within = reader.integer(node, at: here.appending(key), in: 0...600_000, unit: "ms") ?? within
                default:
                    reader.report(
                        .unknownKey, at: here.appending(key), expected: "quantity, above, below, within_ms",
                        found: key, node: node)
                    return nil
                }
            }
            guard let quantity, above != nil || below != nil else {
                reader.report(
                    .missingKey, at: here, expected: "quantity and at least one of above, below", found: "missing",
                    node: value)
                return nil
            }
            return .expectQuantity(
                family: target.family, name: target.name, quantity: quantity, above: above, below: below,
                within: .milliseconds(within))
        case "modbus_fault":
            guard let fields = reader.object(value, at: here, required: ["device", "fault"], optional: ["count"]),
                let name = fields["device"].flatMap({ reader.string($0, at: here.appending("device")) }),
                let fault = fields["fault"].flatMap({ reader.string($0, at: here.appending("fault")) })
            else { return nil }
            let count = fields["count"].flatMap { reader.integer($0, at: here.appending("count"), in: 1...1_000_000) }
            return .modbusFault(name: name, fault: fault, count: count)
        case "gpio_fault":
            guard let fields = reader.object(value, at: here, required: ["line"], optional: ["count"]),
                let line = fields["line"].flatMap({ reader.string($0, at: here.appending("line")) })
            else { return nil }
            let count = fields["count"].flatMap { reader.integer($0, at: here.appending("count"), in: 1...1_000_000) }
            return .gpioFault(line: line, count: count ?? 1)
        case "broker":
            return reader.choice(value, at: here, of: BrokerAction.self).map { .broker(start: $0 == .start) }
        case "restart_daemon":
            return reader.integer(value, at: here, in: 0...99).map { .restartDaemon(index: $0) }
        case "wait_ms":
            return reader.integer(value, at: here, in: 0...600_000, unit: "ms").map { .wait(.milliseconds($0)) }
        case "set_input":
            guard let fields = reader.object(value, at: here, required: ["line", "high"], optional: []),
                let line = fields["line"].flatMap({ reader.string($0, at: here.appending("line")) }),
                let high = fields["high"].flatMap({ reader.bool($0, at: here.appending("high")) })
            else { return nil }
            return .setInput(line: line, high: high)
        case "expect_output":
            guard let fields = reader.object(value, at: here, required: ["line", "high"], optional: ["within_ms"]),
                let line = fields["line"].flatMap({ reader.string($0, at: here.appending("line")) }),
                let high = fields["high"].flatMap({ reader.bool($0, at: here.appending("high")) })
            else { return nil }
            let within =
                fields["within_ms"].flatMap {
                    reader.integer($0, at: here.appending("within_ms"), in: 0...600_000, unit: "ms")
                } ?? 1000
            return .expectOutput(line: line, high: high, within: .milliseconds(within))
        case "publish":
            guard let fields = reader.object(value, at: here, required: ["topic", "payload"], optional: ["retain"]),
                let topic = fields["topic"].flatMap({ reader.string($0, at: here.appending("topic")) }),
                let payload = fields["payload"].flatMap({ reader.string($0, at: here.appending("payload")) })
            else { return nil }
            let retain = fields["retain"].flatMap { reader.bool($0, at: here.appending("retain")) } ?? false
            return .publish(topic: topic, payload: payload, retain: retain)
        case "expect_message", "expect_no_message":
            // The window is the point of a negative expectation, so there it has no default.
            let negative = kind == "expect_no_message"
            guard
                let fields = reader.object(
                    value, at: here, required: negative ? ["topic", "within_ms"] : ["topic"],
                    optional: negative ? ["contains"] : ["contains", "within_ms"]),
                let topic = fields["topic"].flatMap({ reader.string($0, at: here.appending("topic")) })
            else { return nil }
            let contains = fields["contains"].flatMap { reader.string($0, at: here.appending("contains")) }
            let given = fields["within_ms"].flatMap {
                reader.integer($0, at: here.appending("within_ms"), in: (negative ? 1 : 0)...600_000, unit: "ms")
            }
            guard let within = given ?? (negative ? nil : 2000) else { return nil }
            return negative
                ? .expectNoMessage(topic: topic, contains: contains, within: .milliseconds(within))
                : .expectMessage(topic: topic, contains: contains, within: .milliseconds(within))
        default:
            let required = kind == "i2c_fault" ? ["bus", "address", "fault"] : ["bus", "address"]
            guard let fields = reader.object(value, at: here, required: required, optional: ["count"]),
                let bus = fields["bus"].flatMap({ reader.string($0, at: here.appending("bus")) }),
                let address = fields["address"].flatMap({
                    reader.integer($0, at: here.appending("address"), in: 0x03...0x77)
                })
            else { return nil }
            switch kind {
            case "unplug": return .unplug(bus: bus, address: address)
            case "plug": return .plug(bus: bus, address: address)
            default:
                guard let fault = fields["fault"].flatMap({ reader.string($0, at: here.appending("fault")) }) else {
                    return nil
                }
                let count = fields["count"].flatMap {
                    reader.integer($0, at: here.appending("count"), in: 1...1_000_000)
                }
                return .i2cFault(bus: bus, address: address, fault: fault, count: count ?? 1)
            }
        }
    }
}
