import Glibc
import HAL
import HALLinux
import Testing

/// Linux backend behaviour that needs no hardware: these run everywhere.
@Suite("Linux backends without hardware")
struct LinuxBackendErrorTests {
    @Test("opening a chip that does not exist gives .chipNotFound naming it")
    func missingChip() {
        do {
            _ = try LinuxGPIOChip("gpiochip-nope")
            Issue.record("gpiochip-nope opened")
        } catch {
            #expect(error.code == .chipNotFound)
            #expect(error.chip == "gpiochip-nope")
            #expect(error.description.hasPrefix("gpiochip-nope open chip: "))
            #expect(error.cause?.errno == ENOENT)
        }
    }

    @Test("each lookup method reports a missing chip the same way")
    func missingChipEveryLookup() {
        for lookup in [LinuxGPIOChip.Lookup.name, .path, .label] {
            let identifier = lookup == .path ? "/dev/gpiochip-nope" : "gpiochip-nope"
            do {
                _ = try LinuxGPIOChip(identifier, lookup: lookup)
                Issue.record("\(identifier) opened by \(lookup)")
            } catch {
                #expect(error.code == .chipNotFound, "\(lookup): \(error)")
                #expect(error.chip == identifier)
            }
        }
    }

    @Test("opening /dev/i2c-99 gives .busUnavailable with the errno text")
    func missingBus() {
        do {
            _ = try LinuxI2CBus(number: 99)
            Issue.record("/dev/i2c-99 opened")
        } catch {
            #expect(error.code == .busUnavailable)
            #expect(error.bus == "i2c-99")
            #expect(error.cause == SystemCause(errno: ENOENT, message: "No such file or directory"))
            #expect(error.description == "i2c-99 open /dev/i2c-99: No such file or directory (errno 2)")
        }
    }

    @Test("a file that is not an i2c-dev node is refused at the I2C_FUNCS query")
    func notAnI2CNode() {
        do {
            _ = try LinuxI2CBus(path: "/dev/null")
            Issue.record("/dev/null accepted as an I2C bus")
        } catch {
            #expect(error.code == .busUnavailable)
            #expect(error.description.hasPrefix("null query I2C_FUNCS: "))
        }
    }
}
