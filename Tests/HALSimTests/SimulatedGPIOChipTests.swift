import CurbsideTestKit
import HAL
import HALSim
import Testing

@Suite("SimulatedGPIOChip")
struct SimulatedGPIOChipTests {
    let chip = SimulatedGPIOChip(name: "sim-gpio", lineCount: 8, lineNames: [2: "walkButton", 5: "beacon"])

    @Test("line names, consumers and lookups answer like gpioinfo/gpiofind")
    func introspection() async throws {
        #expect(chip.lineName(2) == "walkButton")
        #expect(chip.offset(named: "beacon") == 5)
        #expect(chip.consumer(5) == nil)
        let line = try await chip.requestOutput(5, GPIOOutputConfiguration(consumer: "crosswalkd"))
        #expect(chip.consumer(5) == "crosswalkd")
        #expect(line.address.description == "sim-gpio:5")
        await line.release()
        #expect(chip.consumer(5) == nil)
    }

    @Test("outputChanges and outputHistory record electrical levels with monotonic timestamps")
    func outputObservation() async throws {
        let changes = chip.outputChanges(5)
        let line = try await chip.requestOutput(
            5, GPIOOutputConfiguration(consumer: "test", activeLow: true, initialValue: .inactive))
        try await line.write(.active)
        try await line.write(.active)
        try await line.write(.inactive)
        await line.release()
        #expect(chip.outputLevel(5) == nil)

        let history = chip.outputHistory(5)
        #expect(history.map(\.high) == [true, false, true])
        #expect(zip(history, history.dropFirst()).allSatisfy { $0.timestampNanoseconds <= $1.timestampNanoseconds })
        var streamed: [Bool] = []
        for await change in changes {
            streamed.append(change.high)
            if streamed.count == 3 { break }
        }
        #expect(streamed == [true, false, true])
    }

    @Test("a stale handle stays released after someone else requests the line")
    func staleHandle() async throws {
        let first = try await chip.requestInput(3, GPIOInputConfiguration(consumer: "first"))
        await first.release()
        let second = try await chip.requestInput(3, GPIOInputConfiguration(consumer: "second"))
        await #expect(throws: GPIOError.self) { try await first.read() }
        do {
            _ = try await first.read()
        } catch {
            #expect(error.code == .released)
        }
        _ = try await second.read()
    }

    @Test("injected faults fail the next operations with the given code, then clear")
    func injectedFault() async throws {
        let line = try await chip.requestInput(1, GPIOInputConfiguration(consumer: "test"))
        chip.injectFault(.io, at: 1, count: 1)
        do {
            _ = try await line.read()
            Issue.record("expected an injected fault")
        } catch {
            #expect(error.code == .io)
            #expect(error.description == "sim-gpio:1 get value: I/O error (injected fault)")
        }
        #expect(try await line.read() == .inactive)
    }

    @Test("failEventStreams ends event streams with an error; release ends them normally")
    func eventStreamEnds() async throws {
        let line = try await chip.requestInput(4, GPIOInputConfiguration(consumer: "test", edges: .both))
        let failing = line.events()
        chip.failEventStreams(4)
        await #expect(throws: GPIOError.self) {
            for try await _ in failing {}
        }
        let ending = line.events()
        await line.release()
        var count = 0
        for try await _ in ending { count += 1 }
        #expect(count == 0)
    }

    @Test("without debounce every level change is an event, with logical kinds")
    func undebouncedEdges() async throws {
        let line = try await chip.requestInput(
            6, GPIOInputConfiguration(consumer: "test", activeLow: true, bias: .pullUp, edges: .both))
        let events = line.events()
        chip.setInputLevel(6, high: false)
        chip.setInputLevel(6, high: true)
        let seen = await collect(events, expecting: 2, thenQuiet: .milliseconds(50))
        #expect(seen.map(\.kind) == [.rising, .falling])
        await line.release()
    }
}

/// The contract points the unit suite must cover without the backend-neutral suites in HALLinuxTests.
@Suite("SimulatedGPIOChip contract")
struct SimulatedGPIOChipContractTests {
    let chip = SimulatedGPIOChip(name: "sim-gpio", lineCount: 4)

    @Test("bounces back-to-back inside a 100 ms window give exactly one event, then nothing")
    func debouncedEdges() async throws {
        let line = try await chip.requestInput(
            0, GPIOInputConfiguration(consumer: "test", edges: .both, debounce: .milliseconds(100)))
        let events = line.events()
        for high in [true, false, true, false, true] { chip.setInputLevel(0, high: high) }
        let seen = await collect(events, expecting: 1)
        #expect(seen.map(\.kind) == [.rising])
        await line.release()
    }

    @Test("edges before the first events() are kept up to 16, as the v1 kernel FIFO; newer ones are dropped, counted")
    func queuedEdgesAreBounded() async throws {
        let line = try await chip.requestInput(3, GPIOInputConfiguration(consumer: "test", edges: .both))
        for index in 0..<20 { chip.setInputLevel(3, high: index % 2 == 0) }
        #expect(chip.droppedEdges(3) == 4)
        let seen = await collect(line.events(), expecting: 16, thenQuiet: .milliseconds(50))
        #expect(seen.map(\.kind) == Array(repeating: [.rising, .falling], count: 8).flatMap { $0 })
        await line.release()
    }

    @Test("queued edges are debounced on their own timestamps: a bounce before events() gives one event")
    func queuedBounceIsDebounced() async throws {
        let line = try await chip.requestInput(
            0, GPIOInputConfiguration(consumer: "test", edges: .both, debounce: .milliseconds(50)))
        for high in [true, false, true] { chip.setInputLevel(0, high: high) }
        let seen = await collect(line.events(), expecting: 1)
        #expect(seen.map(\.kind) == [.rising])
        await line.release()
    }

    @Test("a glitch shorter than the window gives no event")
    func glitch() async throws {
        let line = try await chip.requestInput(
            0, GPIOInputConfiguration(consumer: "test", edges: .both, debounce: .milliseconds(50)))
        let events = line.events()
        chip.setInputLevel(0, high: true)
        chip.setInputLevel(0, high: false)
        #expect(await collect(events, for: .milliseconds(150)).isEmpty)
        await line.release()
    }

    @Test("active-low: logical and electrical levels invert both ways, input and output")
    func activeLow() async throws {
        let input = try await chip.requestInput(1, GPIOInputConfiguration(consumer: "test", activeLow: true))
        chip.setInputLevel(1, high: true)
        #expect(try await input.read() == .inactive)
        chip.setInputLevel(1, high: false)
        #expect(try await input.read() == .active)
        let output = try await chip.requestOutput(
            2, GPIOOutputConfiguration(consumer: "test", activeLow: true, initialValue: .active))
        #expect(chip.outputLevel(2) == false)
        try await output.write(.inactive)
        #expect(chip.outputLevel(2) == true)
        #expect(try await output.read() == .inactive)
    }

    @Test("undriven inputs follow the bias; a driven level wins; floating returns to the bias")
    func bias() async throws {
        let up = try await chip.requestInput(3, GPIOInputConfiguration(consumer: "test", bias: .pullUp))
        #expect(try await up.read() == .active)
        chip.setInputLevel(3, high: false)
        #expect(try await up.read() == .inactive)
        chip.floatInput(3)
        #expect(try await up.read() == .active)
        await up.release()
        let down = try await chip.requestInput(3, GPIOInputConfiguration(consumer: "test", bias: .pullDown))
        #expect(try await down.read() == .inactive)
    }

    @Test("busy, missing offset and release")
    func ownership() async throws {
        let held = try await chip.requestOutput(0, GPIOOutputConfiguration(consumer: "owner"))
        await #expect(throws: GPIOError.self) {
            _ = try await chip.requestInput(0, GPIOInputConfiguration(consumer: "intruder"))
        }
        do {
            _ = try await chip.requestInput(0, GPIOInputConfiguration(consumer: "intruder"))
        } catch {
            #expect(error.code == .busy)
            #expect(error.description == "sim-gpio:0 request input: line busy (held by \"owner\")")
        }
        do {
            _ = try await chip.requestInput(4, GPIOInputConfiguration(consumer: "test"))
        } catch {
            #expect(error.code == .lineNotFound)
        }
        await held.release()
        #expect(chip.outputLevel(0) == nil)
        _ = try await chip.requestInput(0, GPIOInputConfiguration(consumer: "next"))
    }
}
