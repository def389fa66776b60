import CurbsideTestKit
public import Foundation
import HALRig
import Locking
import MQTTTransport
import RigProtocol
import RigServer

/// What happened to one scenario.
public struct ScenarioResult: Sendable {
    public enum Outcome: Sendable, Hashable {
        case passed
        case failed(String)
        case skipped
    }

    public var name: String
    public var file: String
    public var duration: Duration
    public var steps: [(summary: String, outcome: Outcome)]
    /// Set-up failure or the first failed step.
    public var failure: String?
    /// What the daemons printed, for the report.
    public var daemonOutput: String

    public var passed: Bool { failure == nil }

    public init(
        name: String, file: String, duration: Duration, steps: [(summary: String, outcome: Outcome)],
        failure: String?, daemonOutput: String
    ) {
        self.name = name
        self.file = file
        self.duration = duration
        self.steps = steps
        self.failure = failure
        self.daemonOutput = daemonOutput
    }
}

/// Runs scenarios: starts the rig (in-process, on a temporary control socket), a broker when asked, the daemons with
/// their configuration filled in, then the steps in order; the first failing step ends the scenario.
public enum ScenarioRunner {
    /// - Parameter executables: folder where daemons named in `run:` are looked up first (then `PATH`).
    public static func run(_ scenario: Scenario, executables: URL) async -> ScenarioResult {
        let started = ContinuousClock.now
        var result = ScenarioResult(
            name: scenario.name, file: scenario.file, duration: .zero,
            steps: scenario.steps.map { ($0.summary, .skipped) }, failure: nil, daemonOutput: "")
        let work = FileManager.default.temporaryDirectory.appendingPathComponent(
            "curb-scenario-\(UUID().uuidString.prefix(8))")
        let socket = work.appendingPathComponent("rig.sock").path
        var broker: MosquittoBroker?
        var observer: MessageLog?
        var daemons: [SpawnedProcess] = []
        var launches: [(executable: String, arguments: [String])] = []
        var rigTask: Task<Void, any Error>?
        defer {
            rigTask?.cancel()
        }
        do {
            try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
            let rig = try VirtualRig(
                file: try RigFile.load(file: scenario.rig, knownChips: SimulatedChipCatalog.names),
                runDirectory: work.path)
            rigTask = Task { try await RigServer.run(rig: rig, socketPath: socket) }
            let control = try await connect(socket)
            var brokerURL = "mqtt://127.0.0.1:1"
            if scenario.startsBroker {
                // Persistent, like a deployed broker: across a `broker: stop`/`start` the observer's session and
                // subscription survive, so what a daemon sends from its outbox before the observer is back is kept
                // for it — an outage step can then check that nothing was lost, without racing the reconnects.
                let local = try MosquittoBroker(persistence: true)
                try await local.start()
                broker = local
                brokerURL = local.url
                observer = try await MessageLog.start(url: local.url)
            }
            for (index, daemon) in scenario.daemons.enumerated() {
                let stateDirectory = work.appendingPathComponent("state-\(index)").path
                let template = try String(contentsOfFile: daemon.config, encoding: .utf8)
                let config = work.appendingPathComponent("daemon-\(index).yaml")
                try template.replacingOccurrences(of: "${BROKER_URL}", with: brokerURL)
                    .replacingOccurrences(of: "${RIG_SOCKET}", with: socket)
                    .replacingOccurrences(of: "${STATE_DIR}", with: stateDirectory)
                    .replacingOccurrences(of: RigFile.runDirectoryPlaceholder, with: rig.runDirectory)
                    .replacingOccurrences(
                        of: "${CONFIG_DIR}", with: URL(fileURLWithPath: daemon.config).deletingLastPathComponent().path
                    )
                    .write(to: config, atomically: true, encoding: .utf8)
                let local = executables.appendingPathComponent(daemon.executable).path
                let executable = FileManager.default.isExecutableFile(atPath: local) ? local : daemon.executable
                launches.append((executable, ["--config", config.path]))
                daemons.append(try SpawnedProcess(executable, ["--config", config.path]))
            }
            for (index, step) in scenario.steps.enumerated() {
                if step.acts { observer?.moveHorizonToNow() }
                if case .restartDaemon(let which) = step {
                    guard daemons.indices.contains(which) else {
                        result.steps[index].outcome = .failed("no daemon \(which)")
                        result.failure = "step \(index + 1) (\(step.summary)): no daemon \(which)"
                        break
                    }
                    // A clean stop (SIGTERM, as systemd restarts a unit), then the same binary and configuration.
                    let status = await daemons[which].stop()
                    result.daemonOutput +=
                        "--- \(daemons[which].executable) (stopped: \(status.map(String.init) ?? "killed"))\n"
                        + daemons[which].output
                    daemons[which] = try SpawnedProcess(launches[which].executable, launches[which].arguments)
                    result.steps[index].outcome = .passed
                    continue
                }
                if let problem = await execute(step, control: control, messages: observer, broker: broker) {
                    result.steps[index].outcome = .failed(problem)
                    result.failure = "step \(index + 1) (\(step.summary)): \(problem)"
                    break
                }
                result.steps[index].outcome = .passed
                // The next message step sees only what arrives after this one completed; expect_message has already
                // moved the horizon to just after the message it matched, and a step that acts completed when it began.
                if case .expectMessage = step {} else if !step.acts { observer?.moveHorizonToNow() }
            }
        } catch {
            result.failure = "set-up: \(error)"
        }
        for daemon in daemons {
            if let status = daemon.terminationStatus, result.failure == nil {
                result.failure = "\(daemon.executable) exited early with status \(status)"
            }
            await daemon.stop()
            result.daemonOutput += "--- \(daemon.executable)\n\(daemon.output)"
        }
        observer?.stop()
        await broker?.stop()
        result.duration = ContinuousClock.now - started
        return result
    }

    private static func connect(_ socket: String) async throws -> RigConnection {
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            do {
                return try await RigConnection.connect(socketPath: socket)
            } catch {
                guard ContinuousClock.now < deadline else { throw error }
                try await Task.sleep(for: .milliseconds(10))
            }
        }
    }

    /// Runs one step; returns why it failed, or nil.
    private static func execute(
        _ step: Scenario.Step, control: RigConnection, messages: MessageLog?, broker: MosquittoBroker?
    ) async -> String? {
        switch step {
        case .wait(let duration):
            try? await Task.sleep(for: duration)
            return nil
        case .setInput(let line, let high):
            return await check(control, "set-input") {
                $0.line = line
                $0.high = high
            }
        case .expectOutput(let line, let high, let within):
            let deadline = ContinuousClock.now + within
            var last = "\(line) never driven"
            repeat {
                var message = RigMessage(op: "get-output")
                message.line = line
                let response = await control.request(message)
                if response.ok == true, response.high == high { return nil }
                last =
                    response.ok == true
                    ? "\(line) is \(response.high == true ? "high" : "low")" : (response.error ?? "\(line): no answer")
                try? await Task.sleep(for: .milliseconds(5))
            } while ContinuousClock.now < deadline
            return "\(last) after \(within)"
        case .i2cFault(let bus, let address, let fault, let count):
            return await check(control, "i2c.fault") {
                $0.bus = bus
                $0.address = address
                $0.fault = fault
                $0.count = count
            }
        case .setQuantities(let family, let name, let values):
            return await check(control, "\(family).set") {
                $0.name = name
                $0.numbers = values
            }
        case .modbusFault(let name, let fault, let count):
            return await check(control, "modbus.fault") {
                $0.name = name
                $0.fault = fault
                $0.count = count
            }
        case .expectQuantity(let family, let name, let quantity, let above, let below, let within):
            let deadline = ContinuousClock.now + within
            var last = "\(name) \(quantity): no answer"
            repeat {
                var message = RigMessage(op: "\(family).get")
                message.name = name
                message.quantity = quantity
                let response = await control.request(message)
                if response.ok == true, let value = response.number {
                    if above.map({ value > $0 }) ?? true, below.map({ value < $0 }) ?? true { return nil }
                    last = "\(name) \(quantity) is \(value)"
                } else {
                    last = response.error ?? last
                }
                try? await Task.sleep(for: .milliseconds(20))
            } while ContinuousClock.now < deadline
            return last
        case .unplug(let bus, let address), .plug(let bus, let address):
            let op = if case .unplug = step { "i2c.unplug" } else { "i2c.plug" }
            return await check(control, op) {
                $0.bus = bus
                $0.address = address
            }
        case .publish(let topic, let payload, let retain):
            guard let messages else { return "no broker: add `broker: local` to the scenario" }
            return messages.publish(topic: topic, payload: payload, retain: retain)
        case .expectMessage(let topic, let contains, let within):
            guard let messages else { return "no broker: add `broker: local` to the scenario" }
            return await messages.expect(topic: topic, contains: contains, within: within)
        case .expectNoMessage(let topic, let contains, let within):
            guard let messages else { return "no broker: add `broker: local` to the scenario" }
            return await messages.expectNone(topic: topic, contains: contains, within: within)
        case .gpioFault(let line, let count):
            return await check(control, "gpio.fault") {
                $0.line = line
                $0.fault = "io"
                $0.count = count
            }
        case .broker(let start):
            guard let broker, let messages else { return "no broker: add `broker: local` to the scenario" }
            guard start else {
                await broker.stop()
                return nil
            }
            do {
                try await broker.start()
            } catch {
                return "the broker did not start again: \(error)"
            }
            // The observer reconnects on its own; the next step may expect messages only once it listens again.
            return await messages.ready(within: .seconds(10), keepingHorizon: true)
        case .restartDaemon:
            return "restart_daemon is run by the scenario loop"
        }
    }

    private static func check(_ control: RigConnection, _ op: String, _ fill: (inout RigMessage) -> Void) async
        -> String?
    {
        var message = RigMessage(op: op)
        fill(&message)
        let response = await control.request(message)
        return response.ok == true ? nil : "rig refused \(op): \(response.error ?? "?")"
    }
}

/// Every message on the broker since the scenario started, in arrival order, and the horizon: the point in that
/// sequence where the previous step completed. Message steps look only past the horizon, so a message from an earlier
/// phase never satisfies (or violates) a later step.
final class MessageLog: Sendable {
    private struct State {
        var messages: [MQTTMessage] = []
        /// Index of the first message a step may look at.
        var horizon = 0
        var isConnected = false
    }

    private let client: MosquittoClient
    private let state = Lock(State())
    private let task: Lock<Task<Void, Never>?> = Lock(nil)

    private init(client: MosquittoClient) { self.client = client }

    static func start(url: String) async throws -> MessageLog {
        let client = try MosquittoClient(
            configuration: MQTTConfiguration(
                url: url, clientID: "curb-scenario-\(UUID().uuidString.prefix(6))", cleanStart: false,
                sessionExpiry: .seconds(3600)))
        let log = MessageLog(client: client)
        let stream = client.events
        log.task.withLock {
            $0 = Task {
                for await event in stream {
                    switch event {
                    case .connected:
                        _ = try? client.subscribe("#")
                        log.state.withLock { $0.isConnected = true }
                    case .message(let message): log.state.withLock { $0.messages.append(message) }
                    default: break
                    }
                }
            }
        }
        client.start()
        let deadline = ContinuousClock.now + .seconds(10)
        while !log.state.withLock({ $0.isConnected }), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        // Our own marker through the subscription proves it is active before any step runs; the first step then sees
        // only what arrives after the marker.
        if let problem = await log.ready(within: .seconds(5)) { throw TestKitError("\(problem) on \(url)") }
        return log
    }

    /// Waits until our own marker comes back through the subscription, which proves it active (after the start and
    /// after the broker came back); returns why not, or nil. With `keepingHorizon` the next step still sees what
    /// arrived before the marker — after a broker restart, what the daemons sent from their outboxes meanwhile.
    func ready(within: Duration, keepingHorizon: Bool = false) async -> String? {
        let marker = "curb/scenario/marker"
        let deadline = ContinuousClock.now + within
        let horizon = state.withLock { $0.horizon }
        var attempt = 0
        repeat {
            attempt += 1
            // Publishing fails while the client is still reconnecting: try again.
            if (try? client.publish(MQTTMessage(topic: marker, string: "ready \(attempt)"))) != nil,
                await expect(topic: marker, contains: "ready \(attempt)", within: .milliseconds(250)) == nil
            {
                if keepingHorizon { state.withLock { $0.horizon = horizon } }
                return nil
            }
            try? await Task.sleep(for: .milliseconds(50))
        } while ContinuousClock.now < deadline
        return "scenario observer never saw its own marker within \(within)"
    }

    func publish(topic: String, payload: String, retain: Bool) -> String? {
        do {
            try client.publish(MQTTMessage(topic: topic, string: payload, retain: retain))
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// Marks every message received so far as seen: the step that just returned completed now.
    func moveHorizonToNow() {
        state.withLock { $0.horizon = $0.messages.count }
    }

    /// Waits for a matching message past the horizon; the step completes with that message, so the horizon moves
    /// to just after it (not to whatever else arrived meanwhile, which keeps back-to-back messages in order).
    func expect(topic: String, contains: String?, within: Duration) async -> String? {
        let deadline = ContinuousClock.now + within
        repeat {
            let found = state.withLock { state in
                guard
                    let index = state.messages[state.horizon...].firstIndex(where: {
                        Self.matches($0, topic: topic, contains: contains)
                    })
                else { return false }
                state.horizon = index + 1
                return true
            }
            if found { return nil }
            try? await Task.sleep(for: .milliseconds(5))
        } while ContinuousClock.now < deadline
        let (recent, stale) = state.withLock { state in
            (
                state.messages[state.horizon...].filter { $0.topic == topic }.map(\.payloadString),
                state.messages[..<state.horizon].last { Self.matches($0, topic: topic, contains: contains) }
            )
        }
        return "no message on \(topic)" + (contains.map { " containing \($0)" } ?? "")
            + " within \(within) after the previous step"
            + (recent.isEmpty ? " (none on that topic)" : "; seen: " + recent.suffix(3).joined(separator: " | "))
            + (stale.map { "; a matching one arrived before the previous step completed: \($0.payloadString)" } ?? "")
    }

    /// Fails with the first matching message that arrives past the horizon before `within` has passed; the step
    /// completes at the end of the window.
    func expectNone(topic: String, contains: String?, within: Duration) async -> String? {
        let started = ContinuousClock.now
        let deadline = started + within
        while true {
            let pastDeadline = ContinuousClock.now >= deadline
            let unwanted = state.withLock { state in
                state.messages[state.horizon...].first { Self.matches($0, topic: topic, contains: contains) }
            }
            if let unwanted {
                return "unexpected message on \(topic) after \(ContinuousClock.now - started): "
                    + unwanted.payloadString
            }
            if pastDeadline { break }
            try? await Task.sleep(for: .milliseconds(5))
        }
        moveHorizonToNow()
        return nil
    }

    private static func matches(_ message: MQTTMessage, topic: String, contains: String?) -> Bool {
        message.topic == topic && (contains.map { message.payloadString.contains($0) } ?? true)
    }

    func stop() {
        client.disconnect()
        client.finishEvents()
        task.withLock { $0?.cancel() }
    }
}
