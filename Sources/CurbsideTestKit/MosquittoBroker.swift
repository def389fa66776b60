public import Foundation

/// A real `mosquitto` broker on a free loopback port, started for one test and stopped after it.
///
/// Runs as the current user with `user root` in its configuration (mosquitto started as root otherwise drops to the
/// `mosquitto` user and cannot read our temporary files) and logs to stdout, which is kept for failure messages.
public final class MosquittoBroker: @unchecked Sendable {
    // @unchecked: `process` and `port` are only touched by start/stop/kill, which a test calls from one task at a
    // time.
    public private(set) var port: Int
    public let directory: URL
    private let configurationFile: URL
    private var process: SpawnedProcess?
    private let logFile: URL
    private let lines: [String]
    /// Whether the port was picked here (and may be picked again if another process takes it first).
    private let portIsOurs: Bool
    private var hasStarted = false

    /// In `extraConfiguration` lines (TLS listeners, ACL files, …) `%PORT%` stands for the broker's port; `port` 0
    /// picks a free one, and a new one if another process takes it before the broker binds it.
    public init(port: Int = 0, extraConfiguration: [String] = [], persistence: Bool = true) throws {
        self.port = port == 0 ? try FreeLoopbackPort.find() : port
        portIsOurs = port == 0
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "curb-mosquitto-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        configurationFile = directory.appendingPathComponent("mosquitto.conf")
        logFile = directory.appendingPathComponent("mosquitto.log")
        var lines = [
            "user root",
            "log_dest stdout",
            "log_type all",
            "persistence \(persistence)",
            "persistence_location \(directory.path)/",
            "autosave_interval 1",
            "set_tcp_nodelay true",
        ]
        if !extraConfiguration.contains(where: { $0.hasPrefix("listener") }) {
            lines += ["listener %PORT% 127.0.0.1", "allow_anonymous true"]
        }
        self.lines = lines + extraConfiguration
        try writeConfiguration()
    }

    private func writeConfiguration() throws {
        let text = lines.map { $0.replacingOccurrences(of: "%PORT%", with: String(port)) }.joined(separator: "\n")
        try (text + "\n").write(to: configurationFile, atomically: true, encoding: .utf8)
    }

    deinit {
        // SpawnedProcess kills a still-running child when it goes away.
        process = nil
        try? FileManager.default.removeItem(at: directory)
    }

    /// `mqtt://127.0.0.1:PORT`.
    public var url: String { "mqtt://127.0.0.1:\(port)" }

    /// Starts the broker and waits until it accepts TCP connections. On the first start, a port taken by someone
    /// else in the meantime (often as the source port of a parallel test's connection) is replaced; a restart keeps
    /// its port, since clients reconnect to it. The timeout is a wait bound for a loaded machine, returning as soon
    /// as the broker listens.
    public func start(timeout: Duration = .seconds(60)) async throws {
        for attempt in 1...5 {
            let process = try SpawnedProcess("mosquitto", ["-c", configurationFile.path], outputFile: logFile)
            self.process = process
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                if let status = process.terminationStatus {
                    if portIsOurs, !hasStarted, attempt < 5, log.contains("Address already in use") {
                        port = try FreeLoopbackPort.find()
                        try writeConfiguration()
                        break
                    }
                    throw TestKitError("mosquitto exited with status \(status):\n\(self.log)")
                }
                if FreeLoopbackPort.isAccepting(port: port) {
                    hasStarted = true
                    return
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            if self.process?.terminationStatus == nil { break }
        }
        throw TestKitError("mosquitto did not listen on 127.0.0.1:\(port) within \(timeout):\n\(self.log)")
    }

    /// Stops the broker with SIGTERM (it saves its persistence file) and waits for it.
    public func stop() async {
        await process?.stop()
        process = nil
    }

    /// Sends SIGTERM now, without waiting: for a `defer`, where a `Task { await stop() }` may never run before the
    /// test process exits and leaves the broker behind.
    public func terminate() {
        process?.signal(SIGTERM)
    }

    /// Freezes the broker (SIGSTOP): connections stay open and nothing is answered, as with a broker stuck or a
    /// link that silently stops delivering, until `resume()`.
    public func pause() { process?.signal(SIGSTOP) }

    public func resume() { process?.signal(SIGCONT) }

    /// Kills the broker with SIGKILL, as a power cut would.
    public func kill() async {
        process?.signal(SIGKILL)
        await process?.wait(timeout: .seconds(5))
        process = nil
    }

    /// Everything the broker logged (mosquitto block-buffers stdout to a file: complete only after it exits).
    public var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }
}

/// A failure in test set-up (a peer that did not start, a tool that is missing), with what it printed.
public struct TestKitError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
