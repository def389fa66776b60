import CurbsideTestKit
import Foundation
import HAL
import HALLinux

/// The independent peers the Modbus code is tested against, and helpers to reach them.
enum Peers {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("peers")

    /// Starts `peers/pymodbus_server.py` (units 1 and 2; see the script for its register map).
    static func pymodbus(_ arguments: [String]) throws -> SpawnedProcess {
        try SpawnedProcess(
            "python3", [directory.appendingPathComponent("pymodbus_server.py").path] + arguments,
            hint: "Tools/bootstrap installs pymodbus from Tools/requirements-test.txt")
    }

    /// Starts pymodbus over TCP on a port the kernel chooses (so parallel runs never collide) and returns it with the
    /// port it printed once listening.
    static func pymodbusTCP() async throws -> (peer: SpawnedProcess, port: Int) {
        let peer = try pymodbus(["tcp", "0"])
        return (peer, try await peer.printedPort(after: "listening on 127.0.0.1:"))
    }

    /// Retries a read until the peer answers: pymodbus opens its port some time after it starts.
    static func waitUntilAnswering(_ client: LinuxModbusClient, peer: SpawnedProcess) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while true {
            do {
                _ = try await client.readHoldingRegisters(
                    unit: 1, address: 0, count: 1, timeout: .milliseconds(300))
                return
            } catch {
                guard peer.isRunning else { throw TestKitError("pymodbus exited:\n\(peer.output)") }
                guard ContinuousClock.now < deadline else {
                    throw TestKitError("pymodbus did not answer within 60 s (\(error)):\n\(peer.output)")
                }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// Runs mbpoll once and returns the values it printed by reference (`[10]: 	123`).
    static func mbpoll(_ arguments: [String]) async throws -> (values: [Int: String], output: String) {
        let result = try await ToolRun.run("mbpoll", arguments + ["-1"], timeout: .seconds(20))
        guard result.status == 0 else {
            throw TestKitError("mbpoll \(arguments.joined(separator: " ")) exited \(result.status):\n\(result.output)")
        }
        var values: [Int: String] = [:]
        for line in result.output.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0].hasPrefix("["), parts[0].hasSuffix("]"),
                let reference = Int(parts[0].dropFirst().dropLast())
            else { continue }
            values[reference] = parts[1].trimmingCharacters(in: .whitespaces)
        }
        return (values, result.output)
    }
}
