import Foundation

/// Paths and helpers shared by the board tests.
enum BoardFixtures {
    /// `Boards/` at the package root, found from this file's location so tests run from any directory.
    static let boardsDirectory: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }  // BoardFixtures.swift, BoardSupportTests, Tests
        return url.appendingPathComponent("Boards").path
    }()

    static var schemaPath: String { boardsDirectory + "/board.schema.json" }

    /// Every `*.yaml` in `Boards/`, sorted.
    static func boardFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: boardsDirectory)
            .filter { $0.hasSuffix(".yaml") }
            .sorted()
            .map { boardsDirectory + "/" + $0 }
    }

    /// A minimal valid board; tests patch it to make one thing wrong at a time.
    static let minimalBoard = """
        board: test-board
        name: Test board
        source:
          - title: invented for tests
        default_header: J1
        gpio:
          chips:
            main: {name: gpiochip0, label: test-gpio, lines: 32}
          lines:
            GPIO17: {chip: main, line: 17, pin: 11}
            GPIO27: {chip: main, line: 27, pin: 13}
          aliases:
            walkButton: GPIO17
            beacon: GPIO27
        i2c:
          i2c-1: {device: /dev/i2c-1, sda: 3, scl: 5}
        serial:
          uart0: {device: /dev/ttyAMA0, tx: 8, rx: 10}
        leds:
          act: {path: /sys/class/leds/ACT}
          beaconLamp: {line: beacon}
        """
}

/// Result of running a helper program.
struct ProcessOutput {
    var status: Int32
    var output: String
}

extension ProcessOutput {
    /// Runs `python3 -c script arguments…` and captures stdout and stderr together.
    ///
    /// Returns `nil` when python3 cannot be started at all, so callers can say so plainly.
    static func python(_ script: String, arguments: [String]) -> ProcessOutput? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do {
            try process.run()
        } catch {
            return nil
        }
        // Read before waiting: a full pipe would otherwise block the child forever.
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return ProcessOutput(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }
}
