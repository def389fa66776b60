import AgentRuntime
import ArgumentParser
import ConfigSupport
import CurbctlFleet
import Glibc
import MQTTTransport

/// How to reach the broker; shared by every fleet subcommand.
struct BrokerOptions: ParsableArguments {
    @Option(name: .long, help: "Broker URL, mqtt://host[:port] or mqtts://host[:port] (overrides any profile).")
    var broker: String?

    @Option(name: .long, help: "Profile name in $XDG_CONFIG_HOME/curbside/curbctl.yaml.")
    var profile: String?

    @Option(name: .long, help: "User name on the broker.")
    var username: String?

    @Option(name: .long, help: "File whose first line is the password (chmod 600).")
    var passwordFile: String?

    @Option(name: .long, help: "CA certificate(s) for mqtts:// (PEM); default: the system trust store.")
    var caFile: String?

    @Option(name: .long, help: "Client certificate for mutual TLS (PEM); with --key-file.")
    var certFile: String?

    @Option(name: .long, help: "Client certificate's private key (PEM, chmod 600); with --cert-file.")
    var keyFile: String?

    @Option(name: .long, help: "Seconds to wait for the broker to accept the connection.")
    var connectTimeout: Double = 5

    /// The settings: flags, then CURBCTL_BROKER, then the profile file, then the local default.
    func settings() throws(FleetError) -> BrokerSettings {
        let environment = Environment.variables
        let file = BrokerSettings.profileFile(environment: environment)
        var settings: BrokerSettings
        if let broker {
            settings = BrokerSettings(mqtt: AgentConfiguration.MQTT(url: broker), source: "--broker")
        } else if profile == nil, let url = environment["CURBCTL_BROKER"], !url.isEmpty {
            settings = BrokerSettings(mqtt: AgentConfiguration.MQTT(url: url), source: "CURBCTL_BROKER")
        } else if let found = try BrokerSettings.profile(named: profile, file: file) {
            settings = found
        } else {
            settings = BrokerSettings(mqtt: AgentConfiguration.MQTT(url: "mqtt://127.0.0.1:1883"), source: "default")
        }
        if let username { settings.mqtt.username = username }
        if let passwordFile { settings.mqtt.passwordFile = passwordFile }
        if let caFile { settings.mqtt.tls.caFile = caFile }
        if let certFile { settings.mqtt.tls.certificateFile = certFile }
        if let keyFile { settings.mqtt.tls.keyFile = keyFile }
        let exposed = settings.mqtt.exposedSecretFiles(at: "--")
        if let first = exposed.first {
            throw FleetError(.invalidInput, detail: "\(first.expected): \(first.found)")
        }
        return settings
    }

    /// Connects and finds `device` (`site/kind/id` or a unique id); the caller closes the connection.
    func connect(to device: String) async throws(FleetError) -> (FleetConnection, DeviceIdentity) {
        let address = try DeviceAddress(parsing: device)
        let connection = try await connect()
        do {
            return (connection, try await address.resolve(on: connection))
        } catch {
            connection.close()
            throw error
        }
    }

    func connect(
        onConnectionChange: @escaping @Sendable (Bool, String) -> Void = { _, _ in }
    ) async throws(FleetError) -> FleetConnection {
        try await FleetConnection.connect(
            try settings(), timeout: .milliseconds(Int(connectTimeout * 1000)), onConnectionChange: onConnectionChange)
    }
}

/// Output choices shared by the read-only subcommands.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Machine-readable JSON on standard output instead of text.")
    var json = false

    @Option(name: .long, help: "Colour: auto (on a terminal, unless NO_COLOR is set), always, never.")
    var color: ColourChoice = .auto

    var colour: Bool {
        switch color {
        case .always: true
        case .never: false
        case .auto: Terminal.isTTY(1) && Environment.variables["NO_COLOR"] == nil
        }
    }
}

enum ColourChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, always, never
}

/// The process environment and the terminal, through libc (no Foundation needed).
enum Environment {
    static var variables: [String: String] {
        var result: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            pointer += 1
        }
        return result
    }
}

enum Terminal {
    static func isTTY(_ fd: Int32) -> Bool { isatty(fd) == 1 }

    /// The terminal's columns (COLUMNS, else TIOCGWINSZ), 100 when not a terminal.
    static var width: Int {
        if let columns = Environment.variables["COLUMNS"].flatMap(Int.init), columns > 0 { return columns }
        var size = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return 100
    }
}

/// Output and failure handling shared by the subcommands.
enum Output {
    /// A line on standard output, written at once (watch output is read by pipes and tests as it comes).
    static func line(_ text: String) {
        write(text + "\n", to: 1)
    }

    /// Text on standard error, written at once.
    static func error(_ text: String) {
        write(text, to: 2)
    }

    /// `write(2)` until every byte is out (a pipe may take less at a time); a closed pipe ends the output.
    private static func write(_ text: String, to fd: Int32) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { return }
            bytes = bytes.dropFirst(written)
        }
    }

    /// Runs `body`; a `FleetError` is printed as `curbctl: …` and becomes its exit status.
    static func run(_ body: () async throws(FleetError) -> ExitStatus) async throws {
        let status: ExitStatus
        do {
            status = try await body()
        } catch {
            Output.error("curbctl: \(error)\n")
            throw ExitCode(error.code.exitStatus.rawValue)
        }
        if status != .success { throw ExitCode(status.rawValue) }
    }
}
