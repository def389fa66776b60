import BoardSupport
import ConfigSupport
import HAL
import Testing

@Suite("Resolving configuration names on a board")
struct BoardLookupTests {
    private let board: Board

    init() throws {
        board = try Board.load(file: BoardFixtures.boardsDirectory + "/raspberry-pi-4b.yaml")
    }

    @Test("a misspelt GPIO name names the config path, the board, the nearest match and the valid names")
    func unknownGPIOLine() {
        #expect {
            try board.gpioLine(named: "walkButon", usedAt: "$.device.inputs.button")
        } throws: { error in
            guard let error = error as? BoardLookupError else { return false }
            #expect(error.code == .unknownGPIOLine)
            #expect(error.suggestion == "walkButton")
            #expect(error.validNames.contains("walkButton") && error.validNames.contains("GPIO17"))
            #expect(error.validNames.count == board.gpioLines.count + board.gpioAliases.count)
            // Header order, not string order: GPIO2 comes before GPIO10.
            #expect(error.validNames.firstIndex(of: "GPIO2")! < error.validNames.firstIndex(of: "GPIO10")!)
            #expect(
                error.description.hasPrefix(
                    "$.device.inputs.button: unknown GPIO line \"walkButon\" on board raspberry-pi-4b; "
                        + "did you mean \"walkButton\"? Valid: "))
            return true
        }
    }

    @Test("a name with no close match still lists the valid names")
    func noSuggestion() {
        do {
            _ = try board.i2cBus(named: "spi0", usedAt: "$.sensors.bus")
            Issue.record("expected an error")
        } catch {
            #expect(error.suggestion == nil)
            #expect(
                error.description == "$.sensors.bus: unknown I2C bus \"spi0\" on board raspberry-pi-4b. Valid: i2c-1")
        }
    }

    @Test("serial ports: board names, by-id links for USB adapters, and ttyUSB refused")
    func serialPorts() throws {
        #expect(try board.serialPort(named: "serial0", usedAt: "$.meter.port").device == "/dev/serial0")
        let adapter = "/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A10K1234-if00-port0"
        #expect(try board.serialPort(named: adapter, usedAt: "$.meter.port").device == adapter)
        do {
            _ = try board.serialPort(named: "/dev/ttyUSB0", usedAt: "$.meter.port")
            Issue.record("expected ttyUSB0 to be refused")
        } catch {
            #expect(error.code == .unstableDevicePath)
            #expect(error.description.contains("/dev/serial/by-id/"))
        }
        do {
            _ = try board.serialPort(named: "serial1", usedAt: "$.meter.port")
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .unknownSerialPort)
            #expect(error.suggestion == "serial0")
        }
    }

    @Test("status LEDs and boards resolve by name with suggestions")
    func ledsAndBoards() throws {
        #expect(
            try board.statusLED(named: "act", usedAt: "$.status.led").control == .sysfs(path: "/sys/class/leds/ACT"))
        let catalog = try BoardCatalog.load(directory: BoardFixtures.boardsDirectory)
        do {
            _ = try catalog.board(named: "raspbery-pi-4b", usedAt: "$.board")
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .unknownBoard)
            #expect(error.suggestion == "raspberry-pi-4b")
            #expect(error.description.hasPrefix("$.board: unknown board \"raspbery-pi-4b\"; did you mean"))
        }
    }
}
