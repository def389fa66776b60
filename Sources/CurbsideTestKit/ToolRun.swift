import Foundation

/// What a finished external tool printed and how it ended.
public struct ToolResult: Sendable {
    public var status: Int32
    /// Standard output and standard error, interleaved as written.
    public var output: String
}

/// Runs independent peers (`mosquitto_sub`, `mbpoll`, `python3 peer.py`) to completion with a deadline.
public enum ToolRun {
    /// Runs `tool` with `arguments`; kills it at `timeout` and reports what it printed so far.
    public static func run(
        _ tool: String, _ arguments: [String], timeout: Duration = .seconds(60),
        hint: String = "install it with Tools/bootstrap"
    ) async throws -> ToolResult {
        let process = try SpawnedProcess(tool, arguments, hint: hint)
        defer { try? FileManager.default.removeItem(at: process.outputFile) }
        guard let status = await process.wait(timeout: timeout) else {
            await process.stop(grace: .seconds(1))
            throw TestKitError(
                "\(tool) \(arguments.joined(separator: " ")) timed out after \(timeout):\n\(process.output)")
        }
        return ToolResult(status: status, output: process.output)
    }
}
