import Foundation

/// Two connected pseudo-terminals made by `socat`: a serial line in software. What one end writes, the other reads,
/// with termios settings (raw, baud rate) applied by each side as on a real port.
public final class PseudoTerminalPair: Sendable {
    /// The two ends, as symlinks in a private directory (`…/a` and `…/b`).
    public let first: String
    public let second: String
    private let socat: SpawnedProcess
    private let directory: URL

    /// Starts socat and waits until both ends exist.
    public init(timeout: Duration = .seconds(30)) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "curb-pty-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        first = directory.appendingPathComponent("a").path
        second = directory.appendingPathComponent("b").path
        socat = try SpawnedProcess(
            "socat", ["-d", "-d", "pty,raw,echo=0,link=\(first)", "pty,raw,echo=0,link=\(second)"])
        let deadline = ContinuousClock.now + timeout
        while !(FileManager.default.fileExists(atPath: first) && FileManager.default.fileExists(atPath: second)) {
            guard ContinuousClock.now < deadline, socat.isRunning else {
                throw TestKitError("socat did not create a pty pair within \(timeout):\n\(socat.output)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Ends socat (both ptys vanish) and removes the directory.
    public func close() async {
        await socat.stop(grace: .seconds(2))
        try? FileManager.default.removeItem(at: directory)
    }
}
