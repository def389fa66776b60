public import AgentRuntime
public import ConfigSupport
import FoundationEssentials
import Glibc
public import Logging
public import Yams

/// A daemon's way out at start-up: the exit status to end with (errors are already on standard error).
public struct DaemonExit: Error, Sendable {
    /// 1: `--check-config` found problems; 78 (EX_CONFIG): invalid configuration, so systemd shows a configuration
    /// failure and does not restart in a loop.
    public let status: Int32
}

/// The start every device daemon shares: load and validate the configuration (every problem, with paths), honour
/// `--check-config`, make the state directory, and a logger labelled with the device identity.
public enum DaemonStart {
    /// - Returns: nil when `checkOnly` (after printing that the file is valid).
    /// - Throws: `DaemonExit` after printing every problem.
    public static func load<Device>(
        file: String, checkOnly: Bool, label: String, device read: (inout NodeReader, Node?, JSONPath) -> Device?,
        files loadFiles: (inout Device) -> [DocumentError] = { _ in [] }
    ) throws(DaemonExit) -> (agent: AgentConfiguration, device: Device, logger: Logger)? {
        var loaded: (AgentConfiguration, Device)
        do {
            loaded = try AgentConfiguration.load(file: file, device: read)
        } catch {
            writeToStandardError("\(error)\n")
            throw DaemonExit(status: checkOnly ? 1 : 78)
        }
        // The files the device section names (register maps), each problem under its own file's name.
        let problems = loadFiles(&loaded.1)
        guard problems.isEmpty else {
            for problem in problems { writeToStandardError("\(problem)\n") }
            throw DaemonExit(status: checkOnly ? 1 : 78)
        }
        if checkOnly {
            for warning in loaded.0.securityWarnings { print("\(file): warning: \(warning)") }
            if let warning = loaded.0.unsignedWarning { print("\(file): warning: \(warning)") }
            print("\(file): valid")
            return nil
        }
        var logger = Logger(label: label)
        logger.logLevel = .info
        logger[metadataKey: "device"] = "\(loaded.0.identity)"
        for warning in loaded.0.securityWarnings { logger.warning("\(warning)") }
        if let warning = loaded.0.unsignedWarning { logger.warning("\(warning)") }
        do {
            try FileManager.default.createDirectory(atPath: loaded.0.stateDirectory, withIntermediateDirectories: true)
        } catch {
            writeToStandardError("\(label): state_dir \(loaded.0.stateDirectory): \(error)\n")
            throw DaemonExit(status: 73)  // EX_CANTCREAT
        }
        return (loaded.0, loaded.1, logger)
    }
}

/// Writes `text` to standard error, unbuffered (FileHandle needs the full Foundation).
func writeToStandardError(_ text: String) {
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
        let written = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
        if written < 0, errno == EINTR { continue }
        guard written > 0 else { return }
        bytes = bytes.dropFirst(written)
    }
}
