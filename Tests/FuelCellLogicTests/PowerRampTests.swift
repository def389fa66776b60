import FuelCellLogic
import Testing

/// The set-point ramp: at most `ramp_kw_per_s` either way, toward the warm-up power and then the demand, never above
/// the local ceiling, and cut at once when the plant leaves the running states.
@Suite struct PowerRampTests {
    typealias Tests = FuelCellMachineTests

    /// Ticks every 100 ms from `from` to `to` (seconds) and returns the set-points seen.
    static func run(_ machine: inout FuelCellMachine, from: Double, to: Double) -> [Double] {
        var seen: [Double] = []
        var t = from
        while t <= to + 1e-9 {
            _ = machine.tick(at: .milliseconds(Int64((t * 1000).rounded())))
            seen.append(machine.setpointKW)
            t += 0.1
        }
        return seen
    }

    @Test("warm-up ramps to the warm-up power, then to the start power, each step ≤ rate × Δt")
    func rampUp() {
        var machine = Tests.machine(in: .warmUp)
        _ = machine.tick(at: .seconds(12))
        let warmUp = Self.run(&machine, from: 12.1, to: 41.9)
        #expect(warmUp.allSatisfy { $0 <= 1 + 1e-9 })
        #expect(abs((warmUp.last ?? 0) - 1) < 1e-9)
        // 0 → 1 kW at 0.5 kW/s takes 2 s: 1 s in, half way.
        #expect(abs(warmUp[9] - 0.5) < 1e-9)
        let running = Self.run(&machine, from: 42, to: 50)
        #expect(machine.state == .running)
        let steps = zip(running.dropFirst(), running).map { $0 - $1 }
        #expect(steps.allSatisfy { $0 <= 0.05 + 1e-9 })
        #expect(abs((running.last ?? 0) - 2) < 1e-9)
    }

    @Test("a demand-response change ramps down and up at the configured rate")
    func demandResponse() {
        var settings = Tests.settings
        settings.rampKWPerSecond = 0.25
        var machine = Tests.machine(in: .running)
        machine.settings = settings
        _ = Self.run(&machine, from: 42, to: 60)
        #expect(abs(machine.setpointKW - 2) < 1e-9)
        machine.handle(.powerRequested(kilowatts: 4.5), at: .seconds(60))
        // 2 → 4.5 kW at 0.25 kW/s: 10 s.
        let up = Self.run(&machine, from: 60.1, to: 70)
        #expect(abs(up[49] - 3.25) < 1e-9)  // 5 s in
        #expect(abs((up.last ?? 0) - 4.5) < 1e-9)
        machine.handle(.powerRequested(kilowatts: 0.5), at: .seconds(70))
        let down = Self.run(&machine, from: 70.1, to: 90)
        #expect(abs(down[9] - 4.25) < 1e-9)  // 1 s in
        let steps = zip(down.dropFirst(), down).map { $1 - $0 }
        #expect(steps.allSatisfy { $0 >= 0 && $0 <= 0.025 + 1e-9 })
        #expect(abs((down.last ?? 0) - 0.5) < 1e-9)
    }

    @Test("a long gap between ticks moves no further than rate × gap")
    func gap() {
        var machine = Tests.machine(in: .running)
        _ = machine.tick(at: .seconds(42))
        _ = machine.tick(at: .seconds(43))
        #expect(abs(machine.setpointKW - 0.5) < 1e-9)
        _ = machine.tick(at: .seconds(44.5))
        #expect(abs(machine.setpointKW - 1.25) < 1e-9)
    }

    @Test("the target never exceeds the local ceiling, whatever the settings ask")
    func ceiling() {
        var limits = Tests.limits
        limits.powerCeilingKW = 1.5
        var settings = Tests.settings
        settings.startPowerKW = 8
        settings.warmUpKW = 3
        var machine = FuelCellMachine(settings: settings, limits: limits, start: .zero)
        machine.handle(.startRequested, at: .seconds(1))
        machine.handle(.purgeElapsed, at: .seconds(11))
        machine.handle(.controllerReported(.running), at: .seconds(12))
        #expect(machine.targetKW == 1.5)
        _ = Self.run(&machine, from: 12, to: 50)
        #expect(machine.state == .running)
        #expect(machine.setpointKW == 1.5)
        #expect(machine.handle(.powerRequested(kilowatts: 1.6), at: .seconds(51)).isRefused)
        #expect(machine.powerLimit(ratedKW: 1.2) == 1.2)
        #expect(machine.powerLimit(ratedKW: 9) == 1.5)
    }

    @Test("the ramp never exceeds the local ramp ceiling, whatever the settings ask")
    func rampCeiling() {
        var limits = Tests.limits
        limits.rampCeilingKWPerSecond = 0.2
        var machine = Tests.machine(in: .warmUp, limits: limits)
        machine.settings.rampKWPerSecond = 5
        let seen = Self.run(&machine, from: 12, to: 16)
        let steps = zip(seen.dropFirst(), seen).map { $0 - $1 }
        #expect(steps.allSatisfy { $0 <= 0.02 + 1e-9 }, "\(steps)")
        // 0.2 kW/s for 4 s, not 5 kW/s (which would have reached the warm-up power in 0.2 s).
        #expect(abs(machine.setpointKW - 0.8) < 1e-9, "\(machine.setpointKW)")
    }

    @Test("stop and trip drop the set-point to zero at once")
    func cut() {
        var machine = Tests.machine(in: .running)
        _ = Self.run(&machine, from: 42, to: 50)
        #expect(machine.setpointKW > 1)
        machine.handle(.stopRequested, at: .seconds(50))
        #expect(machine.setpointKW == 0)
        var tripped = Tests.machine(in: .running)
        _ = Self.run(&tripped, from: 42, to: 50)
        _ = tripped.emergencyStop(closed: false, at: .seconds(50))
        #expect(tripped.setpointKW == 0)
        #expect(tripped.outputs.setpointKW == 0)
    }
}
