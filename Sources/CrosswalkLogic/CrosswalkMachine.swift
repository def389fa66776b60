/// The smart crossing as a state machine: detections, the stop-line vehicle, the walk phase, school hours, detector
/// supervision and latched faults go in as `CrosswalkEvent`s with the time they happened; the state and the level of
/// every output come out. Time is injected (a monotonic instant as a `Duration` since any fixed origin — the edge
/// timestamps' clock in the daemon), nothing here reads a clock or touches a line.
///
/// Every event passes through `handle(_:at:)`, whose `destination` is the one transition table.
public struct CrosswalkMachine: Sendable {
    public private(set) var state: CrosswalkState = .idle
    public var settings: CrosswalkSettings
    public var pattern: RRFBFlashPattern = .ia21

    /// Inputs active now, with when each went active (for the stuck check).
    public private(set) var active: [DetectionSource: Duration] = [:]
    public private(set) var vehicleAtStopLine = false
    public private(set) var walkPhase = false
    public private(set) var schoolHours = false
    /// Faults latched until a reset, and those whose cause is still present.
    public private(set) var latched: Set<CrosswalkFault> = []
    public private(set) var causes: Set<CrosswalkFault> = []
    /// When the beacons stop unless someone is detected again (nil: not flashing for a detection).
    public private(set) var clearanceEnds: Duration?
    /// When the flash sequence (re)started; nil while the beacons are dark.
    public private(set) var flashingSince: Duration?
    public private(set) var counts = CrosswalkCounts()
    /// The last heartbeat edge of each supervised zone.
    private var heartbeats: [Int: Duration]

    /// - Parameter heartbeatZones: the zones whose detector has a heartbeat line; each counts as heard at `start`.
    public init(settings: CrosswalkSettings, heartbeatZones: [Int] = [], start: Duration) {
        self.settings = settings
        heartbeats = Dictionary(uniqueKeysWithValues: heartbeatZones.map { ($0, start) })
    }

    /// The clearance time of the profile in force.
    public var clearance: Duration { schoolHours ? settings.schoolZone.clearance : settings.clearance }

    /// The level (0…1) of a lit beacon on a dimmable output: the configured day or night level while the crossing
    /// works normally, full in `fail-safe` (a fault is no time to trust a dimmed warning). The daemon's safe state,
    /// written without the machine, is full as well.
    public func beaconLevel(night: Bool) -> Double {
        state == .failSafe ? 1 : settings.beaconIntensity.onLevel(night: night)
    }

    /// A pedestrian on the crossing: a presence zone active (a button only says someone wants to cross).
    public var pedestrianOnCrossing: Bool { active.keys.contains { $0.isOnCrossing } }

    // MARK: The transition table

    private enum Rule {
        case go(CrosswalkState)
        case refuse(String)
    }

    /// The one place transitions are decided: for the current state and `event`, the next state or the refusal.
    private func destination(of event: CrosswalkEvent, at now: Duration) -> Rule {
        switch (state, event) {
        case (_, .detected(let source)) where active[source] != nil:
            return .refuse("\(source) is already active")
        case (.failSafe, .detected):
            return .go(.failSafe)
        case (_, .detected(let source)):
            return .go(vehicleAtStopLine && (source.isOnCrossing || pedestrianOnCrossing) ? .conflict : .warning)

        case (_, .released(let source)) where active[source] == nil:
            return .refuse("\(source) is not active")
        case (.conflict, .released):
            return .go(pedestrianOnCrossingWithout(event) ? .conflict : .warning)
        case (_, .released):
            return .go(state)

        case (_, .vehicleArrived) where vehicleAtStopLine:
            return .refuse("a vehicle is already at the stop line")
        case (.warning, .vehicleArrived):
            return .go(pedestrianOnCrossing ? .conflict : .warning)
        case (_, .vehicleArrived):
            return .go(state)
        case (_, .vehicleLeft) where !vehicleAtStopLine:
            return .refuse("no vehicle at the stop line")
        case (.conflict, .vehicleLeft):
            return .go(.warning)
        case (_, .vehicleLeft):
            return .go(state)

        case (_, .walkStarted) where walkPhase:
            return .refuse("the walk phase has already started")
        case (_, .walkEnded) where !walkPhase:
            return .refuse("no walk phase to end")
        case (_, .walkStarted), (_, .walkEnded):
            return .go(state)

        case (.warning, .clearanceElapsed) where pedestrianOnCrossing:
            return .refuse("a pedestrian is still on the crossing")
        case (.warning, .clearanceElapsed) where clearanceEnds.map { now < $0 } ?? false:
            return .refuse("the clearance time has not passed")
        case (.warning, .clearanceElapsed):
            return .go(.idle)
        case (_, .clearanceElapsed):
            return .refuse("no clearance time runs in \(state.rawValue)")

        case (_, .faultFound(let fault)) where causes.contains(fault):
            return .refuse("\(fault) is already present")
        case (_, .faultFound):
            return .go(.failSafe)
        case (_, .causeCleared(let fault)) where !causes.contains(fault):
            return .refuse("\(fault) is not present")
        case (_, .causeCleared):
            return .go(state)

        case (.failSafe, .resetRequested):
            let remaining = latched.intersection(causes)
            guard remaining.isEmpty else {
                return .refuse(
                    "cause still present: " + remaining.map(\.description).sorted().joined(separator: "; "))
            }
            return .go(pedestrianOnCrossing ? .warning : .idle)
        case (_, .resetRequested):
            return .refuse("no fault is latched")

        case (_, .schoolHoursStarted) where schoolHours:
            return .refuse("school hours have already started")
        case (_, .schoolHoursEnded) where !schoolHours:
            return .refuse("school hours have not started")
        case (_, .schoolHoursStarted), (_, .schoolHoursEnded):
            return .go(state)
        }
    }

    private func pedestrianOnCrossingWithout(_ event: CrosswalkEvent) -> Bool {
        guard case .released(let source) = event else { return pedestrianOnCrossing }
        return active.keys.contains { $0 != source && $0.isOnCrossing }
    }

    // MARK: Handling events

    /// Offers `event`, happened at `now`, to the table; an accepted one updates the inputs, timers and counts.
    @discardableResult
    public mutating func handle(_ event: CrosswalkEvent, at now: Duration) -> CrosswalkTransition {
        let from = state
        switch destination(of: event, at: now) {
        case .refuse(let reason):
            return CrosswalkTransition(from: from, to: from, event: event, refusal: reason, conflict: false)
        case .go(let next):
            let wasConflictRisk = vehicleAtStopLine && pedestrianOnCrossing
            apply(event, at: now)
            state = next
            if next != .idle, flashingSince == nil { flashingSince = now }
            if next == .idle {
                flashingSince = nil
                clearanceEnds = nil
            }
            let conflict = !wasConflictRisk && vehicleAtStopLine && pedestrianOnCrossing
            if conflict { counts.conflicts += 1 }
            return CrosswalkTransition(from: from, to: next, event: event, refusal: nil, conflict: conflict)
        }
    }

    private mutating func apply(_ event: CrosswalkEvent, at now: Duration) {
        switch event {
        case .detected(let source):
            active[source] = now
            switch source {
            case .zone: counts.pedestrians += 1
            case .button: counts.buttonPresses += 1
            }
            guard state != .failSafe else { return }
            // IA-21: a new actuation while flashing restarts the flashing period.
            flashingSince = now
            clearanceEnds = now + clearance
        case .released(let source):
            active[source] = nil
            // With presence detection the beacons run until the pedestrian has cleared the crossing (IA-21 5g).
            if source.isOnCrossing, state != .failSafe, state != .idle { clearanceEnds = now + clearance }
        case .vehicleArrived: vehicleAtStopLine = true
        case .vehicleLeft: vehicleAtStopLine = false
        case .walkStarted: walkPhase = true
        case .walkEnded: walkPhase = false
        case .clearanceElapsed: break
        case .faultFound(let fault):
            if !latched.contains(fault) { counts.faults += 1 }
            latched.insert(fault)
            causes.insert(fault)
            clearanceEnds = nil
        case .causeCleared(let fault):
            causes.remove(fault)
        case .resetRequested:
            latched = []
            flashingSince = nil
            clearanceEnds = pedestrianOnCrossing ? now + clearance : nil
        case .schoolHoursStarted: schoolHours = true
        case .schoolHoursEnded: schoolHours = false
        }
    }

    // MARK: Supervision and time

    /// A heartbeat edge from `zone`'s detector; clears a silent-detector cause.
    public mutating func heartbeat(zone: Int, at now: Duration) -> [CrosswalkTransition] {
        heartbeats[zone] = now
        let silent = CrosswalkFault.detectorSilent(zone: zone)
        return causes.contains(silent) ? [handle(.causeCleared(silent), at: now)] : []
    }

    /// An input going inactive: the release itself, and the end of a stuck cause it had.
    public mutating func release(_ source: DetectionSource, at now: Duration) -> [CrosswalkTransition] {
        var transitions = [handle(.released(source), at: now)]
        let stuck = CrosswalkFault.detectorStuck(source)
        if causes.contains(stuck) { transitions.append(handle(.causeCleared(stuck), at: now)) }
        return transitions
    }

    /// What time alone brings: silent and stuck detectors, and the end of the clearance time.
    public mutating func tick(at now: Duration) -> [CrosswalkTransition] {
        var transitions: [CrosswalkTransition] = []
        for (zone, heard) in heartbeats.sorted(by: { $0.key < $1.key }) where now - heard >= settings.heartbeatTimeout {
            let fault = CrosswalkFault.detectorSilent(zone: zone)
            if !causes.contains(fault) { transitions.append(handle(.faultFound(fault), at: now)) }
        }
        for (source, since) in active.sorted(by: { $0.value < $1.value }) where now - since >= settings.stuckAfter {
            let fault = CrosswalkFault.detectorStuck(source)
            if !causes.contains(fault) { transitions.append(handle(.faultFound(fault), at: now)) }
        }
        if state == .warning, !pedestrianOnCrossing, let ends = clearanceEnds, now >= ends {
            transitions.append(handle(.clearanceElapsed, at: now))
        }
        return transitions
    }

    /// Takes the counts gathered since the last call (for one telemetry interval).
    public mutating func takeCounts() -> CrosswalkCounts {
        defer { counts = CrosswalkCounts() }
        return counts
    }

    // MARK: Outputs

    /// The level of every output at `now`.
    public func outputs(at now: Duration) -> CrosswalkOutputs {
        var outputs = CrosswalkOutputs()
        if state != .idle, let since = flashingSince {
            (outputs.beaconLeft, outputs.beaconRight) = pattern.indications(at: now - since)
        }
        outputs.inRoadMarkers = state != .idle || (schoolHours && settings.schoolZone.markersAlwaysOn)
        outputs.warningSign = state == .conflict || state == .failSafe
        outputs.safetyBar = walkPhase
        outputs.audioGuide = walkPhase
        return outputs
    }

    /// When the outputs next change by time alone (the next flash step), or nil when only an event changes them.
    public func nextOutputChange(after now: Duration) -> Duration? {
        guard state != .idle, let since = flashingSince else { return nil }
        return since + pattern.position(at: now - since).nextChange
    }
}

/// What the crossing saw in one telemetry interval: counts only, no images, no personal data.
public struct CrosswalkCounts: Sendable, Hashable {
    public var pedestrians = 0
    public var buttonPresses = 0
    public var conflicts = 0
    public var faults = 0
    public init() {}
}
