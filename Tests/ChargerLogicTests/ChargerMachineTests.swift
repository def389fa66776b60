import ChargerLogic
import Testing

/// Every transition of the table, every refused one, and what supervision, limits, sessions and resets do.
@Suite struct ChargerMachineTests {
    static let tag = "04A1B2C3"

    static var settings: ChargerSettings {
        var settings = ChargerSettings()
        settings.allowList = [tag]
        return settings
    }

    /// A machine brought into `state` by ordinary events at t = 1…2 s (feedback following each command at once).
    static func machine(in state: ChargerState, settings: ChargerSettings = settings) -> ChargerMachine {
        var machine = ChargerMachine(settings: settings, ceilingAmps: 32)
        func follow() {
            let wanted = machine.outputs
            _ = machine.lockChanged(locked: wanted.lock, at: .seconds(2))
            _ = machine.contactorChanged(closed: wanted.contactor, at: .seconds(2))
        }
        switch state {
        case .available: machine.handle(.pilot(.state(.a)), at: .seconds(1))
        case .preparing: machine.handle(.pilot(.state(.b)), at: .seconds(1))
        case .suspendedEV, .charging, .suspendedEVSE, .finishing:
            machine.handle(.pilot(.state(.b)), at: .seconds(1))
            machine.handle(.authorized(idTag: tag), at: .seconds(1))
            follow()
            if state == .charging {
                machine.handle(.pilot(.state(.c)), at: .seconds(2))
                follow()
            }
            if state == .suspendedEVSE { _ = machine.setGridLimit(3, at: .seconds(2)) }
            if state == .finishing {
                machine.handle(.stopRequested(.remote), at: .seconds(2))
                follow()
            }
        case .faulted: _ = machine.rcdChanged(tripped: true, at: .seconds(1))
        }
        #expect(machine.state == state)
        return machine
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var from: ChargerState
        var event: ChargerEvent
        /// The state after, or nil when the event must be refused.
        var to: ChargerState?
        var settings: ChargerSettings = ChargerMachineTests.settings
        var testDescription: String { "\(from.rawValue) + \(event) → " + (to?.rawValue ?? "refused") }
    }

    static var ventilated: ChargerSettings {
        var settings = settings
        settings.ventilation = true
        return settings
    }

    static let rows: [Row] = [
        // The pilot: A → B → C/D and back, the faults it shows, and readings that change nothing.
        Row(from: .available, event: .pilot(.state(.a)), to: nil),
        Row(from: .available, event: .pilot(.state(.b)), to: .preparing),
        Row(from: .available, event: .pilot(.state(.c)), to: .preparing),
        Row(from: .available, event: .pilot(.invalid(highVolts: 10.5)), to: nil),
        Row(from: .available, event: .pilot(.state(.e)), to: .faulted),
        Row(from: .available, event: .pilot(.state(.f)), to: .faulted),
        Row(from: .preparing, event: .pilot(.state(.b)), to: nil),
        Row(from: .preparing, event: .pilot(.state(.c)), to: .preparing),
        Row(from: .preparing, event: .pilot(.state(.a)), to: .available),
        Row(from: .preparing, event: .pilot(.diodeFault), to: .faulted),
        Row(from: .preparing, event: .pilot(.pilotFault(highVolts: 14)), to: .faulted),
        Row(from: .suspendedEV, event: .pilot(.state(.c)), to: .charging),
        Row(from: .suspendedEV, event: .pilot(.state(.d)), to: .suspendedEV),
        Row(from: .suspendedEV, event: .pilot(.state(.d)), to: .charging, settings: ventilated),
        Row(from: .suspendedEV, event: .pilot(.state(.a)), to: .available),
        Row(from: .suspendedEV, event: .pilot(.diodeFault), to: .faulted),
        Row(from: .charging, event: .pilot(.state(.b)), to: .suspendedEV),
        Row(from: .charging, event: .pilot(.state(.d)), to: .suspendedEV),
        Row(from: .charging, event: .pilot(.state(.d)), to: .charging, settings: ventilated),
        Row(from: .charging, event: .pilot(.state(.a)), to: .available),
        Row(from: .charging, event: .pilot(.state(.e)), to: .faulted),
        Row(from: .charging, event: .pilot(.pilotFault(highVolts: -5)), to: .faulted),
        Row(from: .charging, event: .pilot(.invalid(highVolts: 7.5)), to: nil),
        Row(from: .charging, event: .pilot(.state(.c)), to: nil),
        Row(from: .suspendedEVSE, event: .pilot(.state(.c)), to: .suspendedEVSE),
        Row(from: .suspendedEVSE, event: .pilot(.state(.a)), to: .available),
        Row(from: .finishing, event: .pilot(.state(.c)), to: .finishing),
        Row(from: .finishing, event: .pilot(.state(.a)), to: .available),
        Row(from: .faulted, event: .pilot(.state(.f)), to: .faulted),
        Row(from: .faulted, event: .pilot(.state(.b)), to: .faulted),
        // Authorisation.
        Row(from: .available, event: .authorized(idTag: tag), to: .available),
        Row(from: .available, event: .authorized(idTag: "stranger"), to: nil),
        Row(from: .preparing, event: .authorized(idTag: tag), to: .preparing),
        Row(from: .preparing, event: .authorized(idTag: "stranger"), to: nil),
        Row(from: .suspendedEV, event: .authorized(idTag: tag), to: nil),
        Row(from: .charging, event: .authorized(idTag: tag), to: nil),
        Row(from: .suspendedEVSE, event: .authorized(idTag: tag), to: nil),
        Row(from: .finishing, event: .authorized(idTag: tag), to: nil),
        Row(from: .faulted, event: .authorized(idTag: tag), to: nil),
        // Feedback.
        Row(from: .preparing, event: .lockFeedback(locked: true), to: .preparing),
        Row(from: .preparing, event: .lockFeedback(locked: false), to: nil),
        Row(from: .charging, event: .lockFeedback(locked: true), to: nil),
        Row(from: .available, event: .contactorFeedback(closed: true), to: .available),
        Row(from: .charging, event: .contactorFeedback(closed: true), to: nil),
        Row(from: .charging, event: .contactorFeedback(closed: false), to: .charging),
        // Limits.
        Row(from: .available, event: .limitChanged, to: .available),
        Row(from: .suspendedEV, event: .limitChanged, to: .suspendedEV),
        Row(from: .charging, event: .limitChanged, to: .charging),
        Row(from: .suspendedEVSE, event: .limitChanged, to: .suspendedEVSE),
        // Stops.
        Row(from: .available, event: .stopRequested(.remote), to: nil),
        Row(from: .preparing, event: .stopRequested(.remote), to: .finishing),
        Row(from: .suspendedEV, event: .stopRequested(.remote), to: .finishing),
        Row(from: .charging, event: .stopRequested(.deAuthorized), to: .finishing),
        Row(from: .suspendedEVSE, event: .stopRequested(.local), to: .finishing),
        Row(from: .finishing, event: .stopRequested(.remote), to: nil),
        Row(from: .faulted, event: .stopRequested(.remote), to: nil),
        // Faults, causes, resets.
        Row(from: .available, event: .faultFound(.meterLost), to: .faulted),
        Row(from: .charging, event: .faultFound(.contactorWelded), to: .faulted),
        Row(from: .faulted, event: .faultFound(.rcdTrip), to: nil),
        Row(from: .faulted, event: .faultFound(.meterLost), to: .faulted),
        Row(from: .faulted, event: .causeCleared(.rcdTrip), to: .faulted),
        Row(from: .faulted, event: .causeCleared(.meterLost), to: nil),
        Row(from: .charging, event: .causeCleared(.rcdTrip), to: nil),
        Row(from: .faulted, event: .resetRequested, to: nil),
        Row(from: .available, event: .resetRequested, to: nil),
        Row(from: .charging, event: .resetRequested, to: nil),
    ]

    @Test(arguments: rows)
    func transition(_ row: Row) {
        var machine = Self.machine(in: row.from, settings: row.settings)
        let before = machine.state
        let transition = machine.handle(row.event, at: .seconds(3))
        if let to = row.to {
            #expect(transition.refusal == nil, "\(row.testDescription): refused \(transition.refusal ?? "")")
            #expect(machine.state == to)
            #expect(transition.from == before && transition.to == to)
        } else {
            #expect(transition.isRefused)
            #expect(machine.state == before)
            #expect(transition.to == before)
        }
    }

    @Test("every state appears in the table as a source")
    func everyStateCovered() {
        #expect(Set(Self.rows.map(\.from)) == Set(ChargerState.allCases))
    }

    // MARK: The sequence and its outputs

    @Test("the full sequence: lock, authorise, PWM, contactor on C, open on B, unlock on A; session start and stop")
    func fullSequence() {
        var machine = ChargerMachine(settings: Self.settings, ceilingAmps: 32)
        #expect(machine.outputs == ChargerOutputs.safe)
        machine.handle(.pilot(.state(.b)), at: .seconds(1))
        #expect(machine.outputs.lock && !machine.outputs.contactor && machine.outputs.pilot == .steady)
        // Authorised before the lock confirms: still preparing, no PWM.
        #expect(machine.handle(.authorized(idTag: Self.tag), at: .seconds(1)).to == .preparing)
        #expect(machine.outputs.pilot == .steady)
        let locked = machine.lockChanged(locked: true, at: .seconds(2))
        #expect(locked.last?.to == .suspendedEV)
        #expect(locked.last?.sessionStarted == Self.tag)
        #expect(machine.outputs.pilot == .pwm(duty: 32 / 0.6 / 100))
        #expect(!machine.outputs.contactor)
        let charging = machine.handle(.pilot(.state(.c)), at: .seconds(3))
        #expect(charging.to == .charging && charging.sessionStarted == nil)
        #expect(machine.outputs.contactor)
        _ = machine.contactorChanged(closed: true, at: .seconds(3))
        #expect(machine.handle(.pilot(.state(.b)), at: .seconds(4)).to == .suspendedEV)
        #expect(!machine.outputs.contactor)
        // Unplugged while the contactor still reads closed: the lock holds until no current can flow.
        let unplugged = machine.handle(.pilot(.state(.a)), at: .seconds(5))
        #expect(unplugged.sessionStopped == .evDisconnected)
        #expect(machine.outputs.lock)
        _ = machine.contactorChanged(closed: false, at: .seconds(5))
        #expect(!machine.outputs.lock)
        #expect(machine.outputs == ChargerOutputs.safe)
    }

    @Test("an authorisation given before plugging in is used on plug-in, and expires")
    func pendingAuthorization() {
        var machine = ChargerMachine(settings: Self.settings, ceilingAmps: 32)
        machine.handle(.authorized(idTag: Self.tag), at: .seconds(1))
        machine.handle(.pilot(.state(.b)), at: .seconds(2))
        #expect(machine.idTag == Self.tag)
        #expect(machine.lockChanged(locked: true, at: .seconds(2)).last?.to == .suspendedEV)

        var late = ChargerMachine(settings: Self.settings, ceilingAmps: 32)
        late.handle(.authorized(idTag: Self.tag), at: .seconds(1))
        _ = late.tick(at: .seconds(61))
        late.handle(.pilot(.state(.b)), at: .seconds(62))
        #expect(late.idTag == nil)
        #expect(late.lockChanged(locked: true, at: .seconds(62)).last?.to == .preparing)
    }

    @Test("free vend authorises every vehicle")
    func freeVend() {
        var settings = ChargerSettings()
        settings.freeVend = true
        var machine = ChargerMachine(settings: settings, ceilingAmps: 32)
        machine.handle(.pilot(.state(.b)), at: .seconds(1))
        let transitions = machine.lockChanged(locked: true, at: .seconds(1))
        #expect(transitions.last?.sessionStarted == "free-vend")
        #expect(machine.state == .suspendedEV)
    }

    @Test("the contactor closes only with the lock confirmed")
    func contactorNeedsLock() {
        // The lock reads open (no supervision in between): the EV's request is refused, the contactor stays open.
        var open = Self.machine(in: .suspendedEV)
        open.handle(.lockFeedback(locked: false), at: .seconds(3))
        let refused = open.handle(.pilot(.state(.c)), at: .seconds(3))
        #expect(refused.refusal == "the cable lock is not confirmed")
        #expect(open.state == .suspendedEV && !open.outputs.contactor)
        // Lock lost in a session: a lock failure at once, contactor open.
        var unlocked = Self.machine(in: .charging)
        let transitions = unlocked.lockChanged(locked: false, at: .seconds(3))
        #expect(transitions.contains { $0.event == .faultFound(.lockFailure) })
        #expect(unlocked.state == .faulted && !unlocked.outputs.contactor)
        #expect(transitions.compactMap(\.sessionStopped) == [.other])
    }

    // MARK: Limits

    @Test("offered current is min(cable, maximum, grid limit, ceiling); below 6 A the session is suspended by the EVSE")
    func offeredCurrent() {
        var machine = Self.machine(in: .charging)
        #expect(machine.offeredAmps == 32)
        _ = machine.setCableRating(20, at: .seconds(3))
        #expect(machine.offeredAmps == 20)
        _ = machine.setGridLimit(16, at: .seconds(3))
        #expect(machine.offeredAmps == 16)
        #expect(machine.outputs.pilot == .pwm(duty: 16 / 0.6 / 100))
        machine.settings.maxCurrentAmps = 10
        _ = machine.handle(.limitChanged, at: .seconds(3))
        #expect(machine.offeredAmps == 10)
        // A grid limit above the ceiling changes nothing: the ceiling holds.
        var capped = ChargerMachine(settings: Self.settings, ceilingAmps: 16)
        _ = capped.setGridLimit(63, at: .zero)
        #expect(capped.offeredAmps == 16)
        let suspended = machine.setGridLimit(5, at: .seconds(4))
        #expect(suspended.to == .suspendedEVSE && machine.outputs.pilot == .steady && !machine.outputs.contactor)
        #expect(suspended.sessionStopped == nil)
        let resumed = machine.setGridLimit(nil, at: .seconds(5))
        // The EV still asks (C): charging again, same session.
        #expect(resumed.to == .charging && resumed.sessionStarted == nil)
        _ = machine.setCableRating(nil, at: .seconds(6))
        #expect(machine.state == .suspendedEVSE)
    }

    // MARK: Supervision

    @Test("a contactor whose feedback stays closed after opening is welded; the lock stays closed while it is")
    func weldedContactor() {
        var machine = Self.machine(in: .charging)
        machine.handle(.pilot(.state(.b)), at: .seconds(3))
        #expect(machine.tick(at: .milliseconds(3_400)).isEmpty)
        let transitions = machine.tick(at: .milliseconds(3_500))
        #expect(transitions.map(\.event) == [.faultFound(.contactorWelded)])
        #expect(transitions.first?.sessionStopped == .other)
        #expect(machine.state == .faulted && machine.outputs.pilot == .notAvailable)
        #expect(machine.outputs.lock, "current may flow: the cable stays locked")
        #expect(machine.handle(.resetRequested, at: .seconds(4)).isRefused)
        let cleared = machine.contactorChanged(closed: false, at: .seconds(5))
        #expect(cleared.map(\.event) == [.contactorFeedback(closed: false), .causeCleared(.contactorWelded)])
        #expect(!machine.outputs.lock)
        #expect(machine.handle(.resetRequested, at: .seconds(6)).to == .available)
        #expect(machine.pilot == nil && machine.latched.isEmpty)
    }

    @Test("a contactor whose feedback never closes is a fault")
    func contactorNotClosing() {
        var machine = Self.machine(in: .suspendedEV)
        machine.handle(.pilot(.state(.c)), at: .seconds(3))
        // Faulted, the contactor is commanded open and reads open: the cause is gone at once, the fault stays.
        #expect(
            machine.tick(at: .milliseconds(3_500)).map(\.event) == [
                .faultFound(.contactorNotClosing), .causeCleared(.contactorNotClosing),
            ])
        #expect(machine.state == .faulted && machine.latched == [.contactorNotClosing])
    }

    @Test("a lock whose feedback does not follow in time is a lock failure; unlocked cable clears the cause")
    func lockTimeout() {
        var machine = ChargerMachine(settings: Self.settings, ceilingAmps: 32)
        machine.handle(.pilot(.state(.b)), at: .seconds(1))
        #expect(machine.tick(at: .milliseconds(2_900)).isEmpty)
        // Faulted, the lock is commanded released and reads released: the cause is gone, the fault stays latched.
        let transitions = machine.tick(at: .seconds(3))
        #expect(transitions.map(\.event) == [.faultFound(.lockFailure), .causeCleared(.lockFailure)])
        #expect(!machine.outputs.lock && machine.state == .faulted)
        #expect(machine.handle(.resetRequested, at: .seconds(4)).to == .available)
        // A lock jammed locked: commanded released but still reading locked, the cause stays and so does the fault.
        var jammed = Self.machine(in: .finishing)
        _ = jammed.lockChanged(locked: true, at: .seconds(3))
        #expect(jammed.tick(at: .seconds(5)).map(\.event) == [.faultFound(.lockFailure)])
        #expect(jammed.handle(.resetRequested, at: .seconds(6)).isRefused)
    }

    @Test("RCD trip: fault, latched until reset after the trip releases; session stops as GroundFault")
    func rcdTrip() {
        var machine = Self.machine(in: .charging)
        let trip = machine.rcdChanged(tripped: true, at: .seconds(3))
        #expect(trip.map(\.sessionStopped) == [.groundFault])
        #expect(!machine.outputs.contactor && machine.outputs.pilot == .notAvailable)
        #expect(machine.rcdChanged(tripped: true, at: .seconds(3)).isEmpty)
        #expect(machine.handle(.resetRequested, at: .seconds(4)).refusal?.contains("residual-current") == true)
        #expect(machine.rcdChanged(tripped: false, at: .seconds(5)).map(\.event) == [.causeCleared(.rcdTrip)])
        #expect(machine.state == .faulted, "latched")
        #expect(machine.handle(.resetRequested, at: .seconds(6)).to == .available)
    }

    @Test("meter lost and back: latched until reset")
    func meterLost() {
        var machine = Self.machine(in: .charging)
        #expect(machine.meterChanged(answering: false, at: .seconds(3)).map(\.to) == [.faulted])
        #expect(machine.meterChanged(answering: false, at: .seconds(3)).isEmpty)
        #expect(machine.meterChanged(answering: true, at: .seconds(4)).map(\.event) == [.causeCleared(.meterLost)])
        #expect(machine.state == .faulted)
    }

    @Test("a diode fault latches without a watchable cause; a reset is accepted and the next reading decides")
    func diodeFault() {
        var machine = Self.machine(in: .suspendedEV)
        #expect(machine.handle(.pilot(.diodeFault), at: .seconds(3)).to == .faulted)
        #expect(machine.latched == [.diodeFault] && machine.causes.isEmpty)
        #expect(machine.handle(.resetRequested, at: .seconds(4)).to == .available)
        #expect(machine.handle(.pilot(.state(.b)), at: .seconds(5)).to == .preparing)
    }

    @Test("an impossible pilot level latches pilot-fault like a diode fault; after a reset the next reading decides")
    func pilotFault() {
        var machine = Self.machine(in: .charging)
        #expect(machine.handle(.pilot(.pilotFault(highVolts: 14.2)), at: .seconds(3)).to == .faulted)
        #expect(machine.latched == [.pilotFault] && machine.causes.isEmpty)
        #expect(machine.handle(.resetRequested, at: .seconds(4)).to == .available)
        #expect(machine.handle(.pilot(.state(.b)), at: .seconds(5)).to == .preparing)
    }

    // MARK: Restart

    @Test("a session resumed after a restart continues with the vehicle still there, without a new start")
    func resumedSession() {
        var machine = ChargerMachine(settings: Self.settings, ceilingAmps: 32)
        machine.resume(idTag: Self.tag)
        // An unrelated event in `available` does not end it.
        #expect(machine.contactorChanged(closed: false, at: .zero).first?.sessionStopped == nil)
        #expect(machine.handle(.pilot(.state(.c)), at: .seconds(1)).to == .preparing)
        let locked = machine.lockChanged(locked: true, at: .seconds(1))
        #expect(locked.last?.to == .charging)
        #expect(locked.allSatisfy { $0.sessionStarted == nil && $0.sessionStopped == nil })

        var gone = ChargerMachine(settings: Self.settings, ceilingAmps: 32)
        gone.resume(idTag: Self.tag)
        let unplugged = gone.handle(.pilot(.state(.a)), at: .seconds(1))
        #expect(unplugged.sessionStopped == .evDisconnected)
        #expect(!gone.sessionOpen)
    }

    @Test("plugged in with the lock still reading locked and an authorisation waiting: straight into the session")
    func lockHeldOverRestart() {
        var machine = ChargerMachine(settings: Self.settings, ceilingAmps: 32)
        machine.resume(idTag: Self.tag)
        _ = machine.lockChanged(locked: true, at: .zero)
        let transition = machine.handle(.pilot(.state(.c)), at: .seconds(1))
        #expect(transition.to == .charging && transition.sessionStarted == nil)
        // Without an authorisation waiting it stays preparing.
        var plain = ChargerMachine(settings: Self.settings, ceilingAmps: 32)
        _ = plain.lockChanged(locked: true, at: .zero)
        #expect(plain.handle(.pilot(.state(.b)), at: .seconds(1)).to == .preparing)
    }

    @Test("stop by command: contactor opens, then the lock releases once the feedback is open")
    func stopByCommand() {
        var machine = Self.machine(in: .charging)
        let stop = machine.handle(.stopRequested(.remote), at: .seconds(3))
        #expect(stop.sessionStopped == .remote)
        #expect(!machine.outputs.contactor && machine.outputs.lock)
        _ = machine.contactorChanged(closed: false, at: .seconds(3))
        #expect(!machine.outputs.lock)
        #expect(machine.handle(.pilot(.state(.a)), at: .seconds(4)).to == .available)
    }
}
