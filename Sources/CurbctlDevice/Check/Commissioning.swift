import AgentRuntime
import BoardSupport
import ConfigSupport
import DaemonComposition
import FoundationEssentials
import HAL
import HALRig
import MQTTTransport

/// `curbctl check`: the commissioning self-test of one daemon configuration — the file itself, the board file, every
/// configured GPIO line, I²C chip and Modbus device, the TLS and password files, the broker, and the clock.
public enum Commissioning {
    /// The consumer label the check's line requests carry (`gpioinfo` shows it while a line is held).
    static let consumer = "curbctl-check"

    /// Runs every check; never throws — each problem is an item with its fix.
    ///
    /// - Parameter brokerTimeout: how long to wait for the broker's CONNACK.
    public static func run(configFile: String, brokerTimeout: Duration = .seconds(5)) async -> CheckReport {
        var report = CheckReport(configFile: configFile, items: [])
        let file: ConfigFile
        do {
            file = try ConfigFile(path: configFile)
        } catch {
            let lines = error.issues.isEmpty ? [error.description] : error.issues.map(\.description)
            report.items.append(
                CheckItem(
                    area: "config", name: configFile, status: .fail, detail: lines.joined(separator: "; "),
                    fix: "correct the file (the daemon's --check-config lists the same problems)"))
            return report
        }
        let agent = file.agent
        let daemon = daemonName(kind: agent.identity.kind)
        report.items.append(
            CheckItem(
                area: "config", name: configFile, status: .pass,
                detail: "valid: \(agent.identity) on \(agent.hal.backend.rawValue)"))
        report.items += secretFiles(agent)
        report.items += await hardware(file, daemon: daemon)
        report.items.append(await broker(agent, timeout: brokerTimeout))
        report.items.append(ClockSync.check())
        return report
    }

    /// The daemon of a kind, for fixes that name it (`systemctl stop streetlightd`).
    static func daemonName(kind: String) -> String {
        kind == "example" ? "curb-agent" : "\(kind)d"
    }

    // MARK: Files

    /// The TLS and password files: each must be readable; keys and password files by their owner only.
    static func secretFiles(_ agent: AgentConfiguration) -> [CheckItem] {
        let files: [(String?, String, String)] = [
            (agent.mqtt.tls.caFile, "$.mqtt.tls.ca_file", "CA certificate"),
            (agent.mqtt.tls.certificateFile, "$.mqtt.tls.cert_file", "device certificate"),
            (agent.mqtt.tls.keyFile, "$.mqtt.tls.key_file", "private key"),
            (agent.mqtt.passwordFile, "$.mqtt.password_file", "password file"),
        ]
        let exposed = Dictionary(
            agent.exposedSecretFiles.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        var items: [CheckItem] = []
        for case (let path?, let jsonPath, let what) in files {
            if !FileManager.default.isReadableFile(atPath: path) {
                items.append(
                    CheckItem(
                        area: "files", name: path, status: .fail, detail: "\(what) missing or unreadable (\(jsonPath))",
                        fix: "install the \(what) at \(path) (curbctl provision --cert/--key), or correct \(jsonPath)"))
            } else if let issue = exposed[jsonPath] {
                items.append(
                    CheckItem(
                        area: "files", name: path, status: .fail, detail: issue.found,
                        fix: "chmod 600 \(path) (owned by the daemon's user)"))
            } else {
                items.append(CheckItem(area: "files", name: path, status: .pass, detail: "\(what) readable"))
            }
        }
        if items.isEmpty {
            items.append(
                CheckItem(
                    area: "files", name: "TLS", status: .skip,
                    detail: "no TLS or password files configured (\(MQTTConfiguration.redacted(url: agent.mqtt.url)))"))
        }
        return items
    }

    // MARK: Hardware

    static func hardware(_ file: ConfigFile, daemon: String) async -> [CheckItem] {
        let agent = file.agent
        let hardware: DeviceHardware
        do {
            hardware = try DeviceHardware.open(agent)
        } catch {
            return [
                CheckItem(
                    area: "board", name: agent.board, status: .fail, detail: "\(error)",
                    fix: "correct $.board: a file from Boards/ (on a package install, /usr/share/curbside/boards/)")
            ]
        }
        var items = [
            CheckItem(area: "board", name: hardware.board.id, status: .pass, detail: "board file \(agent.board)")
        ]
        if agent.hal.backend == .rig {
            let socket = agent.hal.rigSocket ?? "/run/curbside/rig.sock"
            do {
                // The parts below connect on their own; this says once, up front, whether the rig is there.
                _ = try await RigConnection.connect(socketPath: socket)
                items.append(CheckItem(area: "hal", name: "rig", status: .pass, detail: "rig answers at \(socket)"))
            } catch {
                items.append(
                    CheckItem(
                        area: "hal", name: "rig", status: .fail, detail: "\(error)",
                        fix: "start the rig: curb-rig serve --rig FILE --socket \(socket)"))
                return items
            }
        }
        if !file.knowsKind {
            items.append(
                CheckItem(
                    area: "gpio/i2c", name: agent.identity.kind, status: .skip,
                    detail: "curbctl has no parts list for kind \(agent.identity.kind); lines and chips not checked"))
        }
        var buses: [String: any I2CBus] = [:]
        for part in file.parts {
            items.append(await check(part, on: hardware, buses: &buses, daemon: daemon))
        }
        return items
    }

    static func check(
        _ part: ConfiguredPart, on hardware: DeviceHardware, buses: inout [String: any I2CBus], daemon: String
    ) async -> CheckItem {
        switch part.kind {
        case .input(let line, let activeLow):
            let name = "\(part.name) (\(line))"
            do {
                let input = try await hardware.input(
                    line, usedAt: part.configPath, GPIOInputConfiguration(consumer: consumer, activeLow: activeLow))
                let value = try await input.read()
                await input.release()
                return CheckItem(area: "gpio", name: name, status: .pass, detail: "input reads \(value)")
            } catch {
                return CheckItem(
                    area: "gpio", name: name, status: .fail, detail: "\(error)", fix: gpioFix(error, daemon: daemon))
            }
        case .output(let line, let activeLow, let safe):
            let name = "\(part.name) (\(line))"
            do {
                let output = try await hardware.output(
                    line, usedAt: part.configPath,
                    GPIOOutputConfiguration(consumer: consumer, activeLow: activeLow, initialValue: safe))
                let value = try await output.read()
                await output.release()
                guard value == safe else {
                    return CheckItem(
                        area: "gpio", name: name, status: .fail, detail: "output set \(safe) reads back \(value)",
                        fix: "check the driver stage on \(line) (short or missing pull)")
                }
                return CheckItem(area: "gpio", name: name, status: .pass, detail: "output held at its safe \(safe)")
            } catch {
                return CheckItem(
                    area: "gpio", name: name, status: .fail, detail: "\(error)", fix: gpioFix(error, daemon: daemon))
            }
        case .chip(let busName, let address, let chip):
            let name = "\(part.name) \(chip) \(busName)@\(address)"
            do {
                let bus: any I2CBus
                if let open = buses[busName] {
                    bus = open
                } else {
                    bus = try await hardware.i2cBus(busName, usedAt: part.configPath)
                    buses[busName] = bus
                }
                let found = try await ChipProbe.probe(chip, try await bus.device(at: address))
                return CheckItem(area: "i2c", name: name, status: .pass, detail: found)
            } catch {
                return CheckItem(
                    area: "i2c", name: name, status: .fail, detail: "\(error)",
                    fix: i2cFix(error, chip: chip, bus: busName, address: address, path: part.configPath))
            }
        case .modbus(let settings):
            let name = "\(part.name) \(settings.unit)"
            do {
                let device = try await hardware.modbus(settings, usedAt: part.configPath)
                let detail = try await ModbusProbe.poll(device)
                return CheckItem(area: "modbus", name: name, status: .pass, detail: detail)
            } catch {
                return CheckItem(
                    area: "modbus", name: name, status: .fail, detail: "\(error)",
                    fix: modbusFix(error, settings, path: part.configPath))
            }
        }
    }

    static func gpioFix(_ error: any Error, daemon: String) -> String {
        if let lookup = error as? BoardLookupError {
            return "use a name the board file lists (\(lookup)); gpioinfo shows the chip's lines"
        }
        if let gpio = error as? GPIOError, gpio.code == .busy {
            return "the line is held by another program (gpioinfo shows which); stop it: systemctl stop \(daemon)"
        }
        return "check that the GPIO chip exists (gpiodetect) and the user is in group gpio"
    }

    static func i2cFix(_ error: any Error, chip: String, bus: String, address: I2CAddress, path: String) -> String {
        guard let i2c = error as? I2CError else {
            return "use a bus name from the board file, or correct \(path)"
        }
        switch i2c.code {
        case .nack, .busError:
            return "no \(chip) answers at \(address) on \(bus): check its power, SDA/SCL wiring and address pins "
                + "(i2cdetect -y on the bus), or correct \(path)"
        case .invalidResponse:
            return
                "something else answers at \(address): check the part fitted and its address pins, or correct \(path)"
        case .busUnavailable:
            return "enable the bus (dtparam=i2c_arm=on on a Raspberry Pi) and add the user to group i2c"
        case .busy:
            return "a kernel driver owns \(address) on \(bus): unbind it or use another address"
        default:
            return "check \(chip) at \(address) on \(bus) (\(path))"
        }
    }

    static func modbusFix(_ error: any Error, _ settings: ModbusDeviceSettings, path: String) -> String {
        guard let modbus = error as? ModbusError else { return "correct \(path)" }
        switch (modbus.code, settings.transport) {
        case (.timeout, .serial(let port, let line)):
            return "no answer from \(settings.unit) on \(port): check A/B wiring, termination and that the device "
                + "is set to \(line.baudRate) Bd, parity \(line.parity), \(settings.unit) (\(path))"
        case (.timeout, .tcp(let host, let port)), (.connection, .tcp(let host, let port)):
            return "\(host):\(port) does not answer: check the address, the network and the device's Modbus TCP "
                + "server (\(path))"
        case (.connection, .serial(let port, _)):
            return "cannot open serial port \(port): check the adapter and that the user is in group dialout"
        case (.badCRC, _), (.invalidResponse, _):
            return "garbled answers: check baud rate and parity against the device, and the line's termination"
        default:
            return "check the device at \(path)"
        }
    }

    // MARK: Broker

    /// A real MQTT CONNECT with the configured credentials and TLS files, under a client id of its own so a running
    /// daemon's session is not taken over.
    static func broker(_ agent: AgentConfiguration, timeout: Duration) async -> CheckItem {
        let url = MQTTConfiguration.redacted(url: agent.mqtt.url)
        let client: MosquittoClient
        do {
            let password = try agent.mqtt.passwordFile.map {
                try String(contentsOfFile: $0, encoding: .utf8).split(whereSeparator: \.isNewline).first.map(
                    String.init)
                    ?? ""
            }
            let configuration = try MQTTConfiguration(
                url: agent.mqtt.url,
                clientID: "curbctl-check-\(agent.identity.device)-\(ProcessInfo.processInfo.processIdentifier)",
                protocolVersion: agent.mqtt.protocolVersion, tls: agent.mqtt.tls, keepAlive: .seconds(10),
                cleanStart: true, sessionExpiry: .zero, username: agent.mqtt.username, password: password)
            client = try MosquittoClient(configuration: configuration)
        } catch {
            return CheckItem(
                area: "broker", name: url, status: .fail, detail: "\(error)",
                fix: "correct $.mqtt (url, username, password_file, tls)")
        }
        client.start()
        defer { client.disconnect() }
        let outcome = await withTaskGroup(of: MQTTEvent?.self) { group in
            group.addTask {
                for await event in client.events {
                    switch event {
                    case .connected, .connectionRefused, .disconnected: return event
                    default: continue
                    }
                }
                return nil
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        switch outcome {
        case .connected:
            return CheckItem(area: "broker", name: url, status: .pass, detail: "MQTT CONNECT accepted")
        case .connectionRefused(let code, let reason):
            return CheckItem(
                area: "broker", name: url, status: .fail, detail: "CONNECT refused: \(reason) (\(code))",
                fix: "check $.mqtt.username, the password file and the broker's ACL for this device")
        case .disconnected(let code, let reason, _):
            return CheckItem(
                area: "broker", name: url, status: .fail, detail: "connection failed: \(reason) (\(code))",
                fix: "check the host and port, the firewall, and for mqtts:// the CA file and the broker's certificate")
        default:
            return CheckItem(
                area: "broker", name: url, status: .fail, detail: "no answer within \(timeout)",
                fix: "check the host and port, DNS and the network route to the broker")
        }
    }
}
