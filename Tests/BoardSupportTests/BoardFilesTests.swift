import BoardSupport
import ConfigSupport
import Foundation
import HAL
import Testing

@Suite("Board files in Boards/")
struct BoardFilesTests {
    @Test("the folder holds the boards the architecture names (five plus the kernel-HIL VM's)")
    func expectedBoardsPresent() throws {
        let catalog = try BoardCatalog.load(directory: BoardFixtures.boardsDirectory)
        #expect(
            Set(catalog.boards.keys)
                == [
                    "raspberry-pi-4b", "raspberry-pi-5", "beaglebone-black", "verdin-imx8mp-mallow", "sim",
                    "sim-kernel",
                ])
    }

    /// The board fuzz target's seeds are the board files: a seed left at an old layout (no `image` section, say)
    /// stops the fuzzer from starting where the decoder's current code is.
    @Test("the board fuzz seeds are the current board files", arguments: try BoardFixtures.boardFiles())
    func fuzzSeedCurrent(path: String) throws {
        let name = URL(fileURLWithPath: path).lastPathComponent
        let seed = URL(fileURLWithPath: BoardFixtures.boardsDirectory).deletingLastPathComponent()
            .appendingPathComponent("Tests/Fuzz/board").appendingPathComponent(name)
        let current = try String(contentsOfFile: path, encoding: .utf8)
        #expect(
            try String(contentsOf: seed, encoding: .utf8) == current,
            "Tests/Fuzz/board/\(name) differs from Boards/\(name): cp Boards/\(name) Tests/Fuzz/board/")
    }

    @Test("every board file loads and validates", arguments: try BoardFixtures.boardFiles())
    func loads(path: String) throws {
        let board: Board
        do {
            board = try Board.load(file: path)
        } catch {
            Issue.record("\(error)")
            return
        }
        #expect(!board.sources.isEmpty)
        #expect(!board.gpioLines.isEmpty)
        // Every board carries the same carrier-board roles, so device configurations move between boards.
        for role in Self.carrierRoles {
            #expect(board.gpioAliases[role] != nil, "\(board.id) lacks alias \(role)")
        }
    }

    @Test("every board file validates against board.schema.json (python3 jsonschema)")
    func schema() throws {
        let files = try BoardFixtures.boardFiles()
        #expect(files.count >= 5)
        let script = """
            import sys
            try:
                import json, yaml, jsonschema
            except ImportError as error:
                print(f"MISSING: {error.name} (pip install jsonschema pyyaml, see Tools/requirements-test.txt)")
                sys.exit(3)
            schema = json.load(open(sys.argv[1]))
            jsonschema.Draft202012Validator.check_schema(schema)
            validator = jsonschema.Draft202012Validator(schema)
            failures = 0
            for path in sys.argv[2:]:
                for error in validator.iter_errors(yaml.safe_load(open(path))):
                    failures += 1
                    print(f"{path}: $.{'.'.join(map(str, error.path))}: {error.message}")
            sys.exit(1 if failures else 0)
            """
        guard let result = ProcessOutput.python(script, arguments: [BoardFixtures.schemaPath] + files) else {
            Issue.record("python3 could not be started; install python3 with the jsonschema and pyyaml modules")
            return
        }
        #expect(result.status != 127, "python3 is not installed (\(result.output))")
        #expect(result.status != 3, "\(result.output)")
        #expect(result.status == 0, "schema validation failed:\n\(result.output)")
    }

    @Test("the schema itself rejects a malformed board (wrong type, unknown key, missing key, ttyUSB port)")
    func schemaRejectsMalformed() throws {
        let malformed = """
            board: Not_An_Id
            name: 42
            source: []
            gpio:
              chips:
                main: {lines: 32}
              lines:
                GPIO17: {chip: main, line: -1, pni: 11}
            serial:
              usb: {device: /dev/ttyUSB0}
            """
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("malformed-\(UUID().uuidString).yaml")
        try malformed.write(to: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: path) }
        let script = """
            import json, sys, yaml, jsonschema
            validator = jsonschema.Draft202012Validator(json.load(open(sys.argv[1])))
            for error in validator.iter_errors(yaml.safe_load(open(sys.argv[2]))):
                print("$." + ".".join(map(str, error.path)))
            """
        guard let result = ProcessOutput.python(script, arguments: [BoardFixtures.schemaPath, path.path]) else {
            Issue.record("python3 could not be started; install python3 with the jsonschema and pyyaml modules")
            return
        }
        let paths = Set(result.output.split(separator: "\n").map(String.init))
        for expected in [
            "$.board", "$.name", "$.source", "$.gpio.chips.main", "$.gpio.lines.GPIO17",
            "$.gpio.lines.GPIO17.line", "$.serial.usb.device",
        ] {
            #expect(paths.contains(expected), "schema did not flag \(expected); got \(result.output)")
        }
    }

    @Test("Raspberry Pi 4: GPIO17 is gpiochip0 line 17 on header pin 11")
    func raspberryPi4() throws {
        let board = try Board.load(file: BoardFixtures.boardsDirectory + "/raspberry-pi-4b.yaml")
        let line = try board.gpioLine(named: "GPIO17", usedAt: "$.test")
        #expect(line.address == GPIOLineAddress(chip: "gpiochip0", offset: 17))
        #expect(line.address.description == "gpiochip0:17")
        #expect(line.headerPin == HeaderPin(header: "J8", number: 11))
        #expect(board.gpioChips["main"]?.label == "pinctrl-bcm2711")
        #expect(board.gpioChips["main"]?.lineCount == 58)
        let bus = try board.i2cBus(named: "i2c-1", usedAt: "$.test")
        #expect(bus.device == "/dev/i2c-1")
        #expect(bus.sdaPin?.number == 3 && bus.sclPin?.number == 5)
        // The alias resolves to the very same line.
        #expect(try board.gpioLine(named: "walkButton", usedAt: "$.test") == line)
    }

    @Test("Raspberry Pi 5: header lines are opened by the RP1 label, not a chip number")
    func raspberryPi5() throws {
        let board = try Board.load(file: BoardFixtures.boardsDirectory + "/raspberry-pi-5.yaml")
        let line = try board.gpioLine(named: "GPIO17", usedAt: "$.test")
        #expect(line.address == GPIOLineAddress(chip: "pinctrl-rp1", offset: 17))
        #expect(line.headerPin?.number == 11)
        #expect(board.gpioChips["rp1"]?.lineCount == 54)
    }

    @Test("BeagleBone Black: P9_12 is GPIO1_28, gpio chip 1 line 28")
    func beagleBoneBlack() throws {
        let board = try Board.load(file: BoardFixtures.boardsDirectory + "/beaglebone-black.yaml")
        let line = try board.gpioLine(named: "P9_12", usedAt: "$.test")
        #expect(line.address == GPIOLineAddress(chip: "gpiochip1", offset: 28))
        #expect(line.headerPin == HeaderPin(header: "P9", number: 12))
        #expect(line.headerPin?.description == "P9 pin 12")
        #expect(try board.i2cBus(named: "i2c-2", usedAt: "$.test").sdaPin == HeaderPin(header: "P9", number: 20))
    }

    @Test("Verdin iMX8M Plus: GPIO_1 (SODIMM 206) is GPIO1_IO00, gpiochip0 line 0; I2C_1 is /dev/i2c-3")
    func verdin() throws {
        let board = try Board.load(file: BoardFixtures.boardsDirectory + "/verdin-imx8mp-mallow.yaml")
        let line = try board.gpioLine(named: "SODIMM_206", usedAt: "$.test")
        #expect(line.address == GPIOLineAddress(chip: "gpiochip0", offset: 0))
        #expect(try board.gpioLine(named: "SODIMM_220", usedAt: "$.test").address.description == "gpiochip3:3")
        #expect(try board.i2cBus(named: "I2C_1", usedAt: "$.test").device == "/dev/i2c-3")
        #expect(try board.serialPort(named: "UART_1", usedAt: "$.test").device == "/dev/ttymxc0")
    }

    @Test("sim: one simulated chip, two rig buses, pty serial ports and GPIO status LEDs")
    func simulated() throws {
        let board = try Board.load(file: BoardFixtures.boardsDirectory + "/sim.yaml")
        #expect(board.kind == .simulated)
        #expect(Set(board.gpioLines.values.map(\.address.chip)) == ["sim-gpio0"])
        #expect(Set(board.i2cBuses.keys) == ["sim-i2c-0", "sim-i2c-1"])
        #expect(board.serialPorts.values.allSatisfy { $0.device.hasPrefix("/tmp/curb-rig/") })
        #expect(try board.statusLED(named: "status-green", usedAt: "$.test").control == .gpioLine("SIM20"))
        #expect(try board.gpioLine(named: "h2Valve", usedAt: "$.test").address.description == "sim-gpio0:18")
    }

    static let carrierRoles = [
        "walkButton", "pedDetector", "stopLine", "walkSignal", "beacon", "inRoadLeds", "audioGuide", "safetyBar",
        "lampRelay", "motion", "accelDataReady", "contactor", "contactorFeedback", "rcdFault", "cableLock",
        "cableLockFeedback", "h2Leak", "eStop", "h2Valve", "ventFan",
    ]
}
