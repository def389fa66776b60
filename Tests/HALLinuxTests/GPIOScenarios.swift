import CurbsideTestKit
import HAL
import HALLinux
import Synchronization
import Testing

/// GPIO behaviour every backend must show, written once; the suites below run it per backend.
enum GPIOScenarios {
    static let input: GPIOLineOffset = 0
    static let output: GPIOLineOffset = 1
    static let biasLine: GPIOLineOffset = 3
    static let ownershipLine: GPIOLineOffset = 4

    /// Bounces injected back-to-back inside a 100 ms window give exactly one event, and nothing follows.
    static func debounce(_ rig: any GPIORig) async throws {
        try rig.driveInput(input, high: false)
        let line = try await rig.chip.requestInput(
            input, GPIOInputConfiguration(consumer: "test-debounce", edges: .both, debounce: .milliseconds(100)))
        let events = line.events()
        for high in [true, false, true, false, true] {
            try rig.driveInput(input, high: high)
        }
        // The event comes 100 ms after the last bounce; then 300 ms in which nothing else may arrive.
        let seen = await collect(events, expecting: 1)
        #expect(seen.map(\.kind) == [.rising], "\(seen.map { "\($0.kind)@\($0.timestampNanoseconds / 1000)us" })")
        #expect(try await line.read() == .active)
        await line.release()
    }

    /// Edge detection starts at the request, as the kernel's does: an edge before the first `events()` is delivered
    /// by it, and an edge while no sequence is live goes to the next one. One edge at a time: with both edges
    /// requested, the v1 uAPI names an edge by the level its IRQ thread reads, so back-to-back pulls on gpio-sim can
    /// be reported as two edges of one kind (HALSim's own suite queues bursts).
    static func edgesBeforeEvents(_ rig: any GPIORig) async throws {
        try rig.driveInput(input, high: false)
        let line = try await rig.chip.requestInput(
            input, GPIOInputConfiguration(consumer: "test-early-edges", edges: .both))
        try rig.driveInput(input, high: true)
        #expect(try await line.read() == .active)
        let seen = await collect(line.events(), expecting: 1, thenQuiet: .milliseconds(50))
        #expect(seen.map(\.kind) == [.rising])
        // No sequence is live now (collect stopped listening): the next edge waits for the next call.
        try rig.driveInput(input, high: false)
        #expect(try await line.read() == .inactive)
        let later = await collect(line.events(), expecting: 1, thenQuiet: .milliseconds(50))
        #expect(later.map(\.kind) == [.falling])
        await line.release()
    }

    /// Two live `events()` sequences of one line: the first takes what was queued, the second starts at its call,
    /// and each later edge reaches both.
    static func twoSequences(_ rig: any GPIORig) async throws {
        try rig.driveInput(input, high: false)
        let line = try await rig.chip.requestInput(input, GPIOInputConfiguration(consumer: "test-two", edges: .both))
        try rig.driveInput(input, high: true)
        var first = line.events().makeAsyncIterator()
        // The queued edge has reached the first sequence (on Linux: left the kernel's queue) before the second call.
        #expect(try await first.next()?.kind == .rising)
        let second = line.events()
        try rig.driveInput(input, high: false)
        #expect(try await first.next()?.kind == .falling)
        let secondSeen = await collect(second, expecting: 1, thenQuiet: .milliseconds(50))
        #expect(secondSeen.map(\.kind) == [.falling])
        await line.release()
    }

    /// Active-low input: electrical high reads inactive, low reads active; edges are logical.
    static func activeLowInput(_ rig: any GPIORig) async throws {
        try rig.driveInput(input, high: true)
        let line = try await rig.chip.requestInput(
            input, GPIOInputConfiguration(consumer: "test-active-low", activeLow: true, edges: .both))
        #expect(try await line.read() == .inactive)
        let events = line.events()
        try rig.driveInput(input, high: false)
        let seen = await collect(events, expecting: 1, thenQuiet: .milliseconds(50))
        #expect(seen.map(\.kind) == [.rising])
        #expect(try await line.read() == .active)
        try rig.driveInput(input, high: true)
        #expect(try await line.read() == .inactive)
        await line.release()
    }

    /// Active-low output: inactive drives high, active drives low; `read()` answers logically.
    static func activeLowOutput(_ rig: any GPIORig) async throws {
        let line = try await rig.chip.requestOutput(
            output, GPIOOutputConfiguration(consumer: "test-active-low", activeLow: true, initialValue: .inactive))
        #expect(try rig.observeOutput(output) == true)
        try await line.write(.active)
        #expect(try rig.observeOutput(output) == false)
        #expect(try await line.read() == .active)
        try await line.write(.inactive)
        #expect(try rig.observeOutput(output) == true)
        await line.release()
    }

    /// A push-pull output takes its initial value at once and follows every write.
    static func outputObservation(_ rig: any GPIORig) async throws {
        let line = try await rig.chip.requestOutput(
            output, GPIOOutputConfiguration(consumer: "test-output", initialValue: .active))
        #expect(try rig.observeOutput(output) == true)
        try await line.write(.inactive)
        #expect(try rig.observeOutput(output) == false)
        try await line.write(.active)
        #expect(try rig.observeOutput(output) == true)
        #expect(line.address.offset == output)
        await line.release()
    }

    /// An undriven input follows the requested bias.
    static func bias(_ rig: any GPIORig) async throws {
        let up = try await rig.chip.requestInput(biasLine, GPIOInputConfiguration(consumer: "test-bias", bias: .pullUp))
        #expect(try await up.read() == .active)
        await up.release()
        let down = try await rig.chip.requestInput(
            biasLine, GPIOInputConfiguration(consumer: "test-bias", bias: .pullDown))
        #expect(try await down.read() == .inactive)
        await down.release()
    }

    /// A held line is busy, a missing offset is not found, release frees the line and retires the old handle.
    static func ownership(_ rig: any GPIORig) async throws {
        let chip = rig.chip
        let first = try await chip.requestInput(ownershipLine, GPIOInputConfiguration(consumer: "first"))
        do {
            _ = try await chip.requestOutput(ownershipLine, GPIOOutputConfiguration(consumer: "second"))
            Issue.record("a held line was handed out twice")
        } catch {
            #expect(error.code == .busy, "\(error)")
            #expect(error.offset == ownershipLine)
        }
        let missing = GPIOLineOffset(UInt32(chip.lineCount))
        do {
            _ = try await chip.requestInput(missing, GPIOInputConfiguration(consumer: "test"))
            Issue.record("offset \(missing) does not exist")
        } catch {
            #expect(error.code == .lineNotFound)
        }
        await first.release()
        do {
            _ = try await first.read()
            Issue.record("a released line still read")
        } catch {
            #expect(error.code == .released)
        }
        let second = try await chip.requestOutput(ownershipLine, GPIOOutputConfiguration(consumer: "second"))
        await second.release()
    }
}

@Suite("GPIO backend-neutral (simulated)")
struct GPIOSimulatedBackendTests {
    let rig: any GPIORig = SimulatedGPIORig()

    @Test func debounce() async throws { try await GPIOScenarios.debounce(rig) }
    @Test func edgesBeforeEvents() async throws { try await GPIOScenarios.edgesBeforeEvents(rig) }
    @Test(.timeLimit(.minutes(1))) func twoSequences() async throws { try await GPIOScenarios.twoSequences(rig) }
    @Test func activeLowInput() async throws { try await GPIOScenarios.activeLowInput(rig) }
    @Test func activeLowOutput() async throws { try await GPIOScenarios.activeLowOutput(rig) }
    @Test func outputObservation() async throws { try await GPIOScenarios.outputObservation(rig) }
    @Test func bias() async throws { try await GPIOScenarios.bias(rig) }
    @Test func ownership() async throws { try await GPIOScenarios.ownership(rig) }
}

@Suite(
    "GPIO backend-neutral (linux, gpio-sim)", .serialized,
    .enabled(if: GPIOSimRig.unavailableReason == nil, Comment(rawValue: GPIOSimRig.unavailableReason ?? "")))
struct GPIOLinuxBackendTests {
    @Test func debounce() async throws { try await GPIOScenarios.debounce(try makeGPIORig(.linux)) }
    @Test func edgesBeforeEvents() async throws { try await GPIOScenarios.edgesBeforeEvents(try makeGPIORig(.linux)) }
    @Test(.timeLimit(.minutes(1))) func twoSequences() async throws {
        try await GPIOScenarios.twoSequences(try makeGPIORig(.linux))
    }
    @Test func activeLowInput() async throws { try await GPIOScenarios.activeLowInput(try makeGPIORig(.linux)) }
    @Test func activeLowOutput() async throws { try await GPIOScenarios.activeLowOutput(try makeGPIORig(.linux)) }
    @Test func outputObservation() async throws { try await GPIOScenarios.outputObservation(try makeGPIORig(.linux)) }
    @Test func bias() async throws { try await GPIOScenarios.bias(try makeGPIORig(.linux)) }
    @Test func ownership() async throws { try await GPIOScenarios.ownership(try makeGPIORig(.linux)) }

    @Test("the chip opens by name, path and label, and each finds the same chip")
    func lookups() throws {
        let rig = try GPIOSimRig.open()
        let byName = try LinuxGPIOChip(rig.chipName, lookup: .name)
        let byPath = try LinuxGPIOChip("/dev/\(rig.chipName)", lookup: .path)
        let byLabel = try LinuxGPIOChip(byName.label, lookup: .label)
        #expect(byPath.kernelName == rig.chipName)
        #expect(byLabel.kernelName == rig.chipName)
        #expect(byLabel.name == byName.label)
        #expect(byLabel.lineCount == byName.lineCount)
    }
}
