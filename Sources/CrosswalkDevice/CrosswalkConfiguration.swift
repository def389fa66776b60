public import ConfigSupport
public import CrosswalkLogic
import Yams

/// The `device` section of crosswalkd's configuration: where the inputs and outputs sit (`hardware`, local only)
/// and the crossing's timing and profiles (`CrosswalkSettings`).
///
/// ```yaml
/// device:
///   hardware:
///     zones: [{presence: pedDetector, heartbeat: pedHeartbeat}]
///     buttons: [{line: walkButton}]
///     stop_line: stopLine
///     walk_phase: walkSignal
///     beacon_left: beacon
///     beacon_right: beaconRight
///   clearance_s: 15
/// ```
///
/// Dimmable beacons sit on a PCA9685's channels instead (`beacon_left`/`beacon_right` then stay unset):
/// `beacon_dimmer: {i2c_bus: i2c-1, address: 0x40, left_channel: 0, right_channel: 1}`.
public struct CrosswalkConfiguration: Sendable, Hashable {
    /// Board line names (or aliases) of every input and output; `none` for a part the crossing does not have.
    public struct Hardware: Sendable, Hashable {
        /// A presence zone: its detector's output and, if it has one, its heartbeat line.
        public struct Zone: Sendable, Hashable {
            public var presence: String
            public var heartbeat: String?
            public init(presence: String, heartbeat: String? = nil) {
                self.presence = presence
                self.heartbeat = heartbeat
            }
        }

        public struct Button: Sendable, Hashable {
            public var line: String
            public init(line: String) { self.line = line }
        }

        public var zones = [Zone(presence: "pedDetector", heartbeat: nil)]
        public var buttons = [Button(line: "walkButton")]
        public var stopLine: String? = "stopLine"
        public var walkPhase: String? = "walkSignal"
        public var faultReset: String? = nil
        public var inputsActiveLow = false
        public var buttonDebounce: Duration = .milliseconds(10)
        public var beaconLeft = "beacon"
        public var beaconRight: String? = nil
        public var inRoadMarkers: String? = "inRoadLeds"
        public var warningSign: String? = nil
        public var safetyBar: String? = "safetyBar"
        public var audioGuide: String? = "audioGuide"
        public var stallLimit: Duration = .milliseconds(500)
        public var beaconDimmer = BeaconDimmer()
        public init() {}

        /// The PCA9685 whose channels drive the beacons instead of GPIO lines, so that they can be dimmed at night;
        /// absent (no `address`) by default.
        public struct BeaconDimmer: Sendable, Hashable {
            public var address: UInt8? = nil
            public var i2cBus = "i2c-1"
            public var leftChannel = 0
            public var rightChannel: Int? = 1
            public var frequencyHz = 1_000
            public init() {}

            /// The channels by the names `CrosswalkOutputs.named` uses; empty when there is no dimmer.
            public var channels: [(name: String, channel: Int)] {
                guard address != nil else { return [] }
                return [("beacon_left", leftChannel)] + (rightChannel.map { [("beacon_right", $0)] } ?? [])
            }
        }

        /// The output lines by the names `CrosswalkOutputs.named` uses; nil where the crossing has none, and for the
        /// beacons when they sit on the beacon dimmer.
        public var outputs: [(name: String, line: String?)] {
            let onLines = beaconDimmer.address == nil
            return [
                ("beacon_left", onLines ? beaconLeft : nil), ("beacon_right", onLines ? beaconRight : nil),
                ("in_road_markers", inRoadMarkers),
                ("warning_sign", warningSign), ("safety_bar", safetyBar), ("audio_guide", audioGuide),
            ]
        }
    }

    public var hardware = Hardware()
    public var settings = CrosswalkSettings()

    public init() {}

    public static var localSection: ConfigSection<CrosswalkConfiguration> {
        ConfigSection(
            doc:
                "The `device` section of crosswalkd's configuration. `hardware` is local only; everything else may "
                + "also come through remote configuration (config/desired).",
            keys: [.section("hardware", \.hardware, Hardware.section)])
    }
}

extension CrosswalkConfiguration.Hardware {
    static func line(_ name: String, _ keyPath: WritableKeyPath<Self, String?>, doc: String) -> ConfigKey<Self> {
        .string(
            name, keyPath, parse: { $0 == "none" ? .some(nil) : $0 }, format: { $0 ?? "none" },
            doc: doc + " Board GPIO line (name or alias), or \"none\".")
    }

    static var section: ConfigSection<Self> {
        ConfigSection(
            doc: "Where the inputs and outputs sit, by board-file line names. Local only: a remote change is refused.",
            keys: [
                .list(
                    "zones", \.zones, of: "presence zones", minimumCount: 1, item: Zone.section,
                    seed: Zone(presence: ""), doc: "Pedestrian presence zones (radar or thermal detectors)."),
                .list(
                    "buttons", \.buttons, of: "push buttons", item: Button.section, seed: Button(line: ""),
                    doc: "Accessible pedestrian push buttons."),
                line("stop_line", \.stopLine, doc: "Vehicle stop-line detector."),
                line("walk_phase", \.walkPhase, doc: "The signal controller's walk-phase output."),
                line("fault_reset", \.faultReset, doc: "Local fault-reset key switch (a rising edge resets)."),
                .bool("inputs_active_low", \.inputsActiveLow, doc: "Every input is active at a low level."),
                .integer(
                    "button_debounce_ms", \.buttonDebounce, 0...200, "ms", as: .milliseconds,
                    doc: "Push-button debounce (contacts bounce for a few ms; presence and other inputs are not"
                        + " debounced, so nothing delays the interlock)."),
                .string("beacon_left", \.beaconLeft, doc: "RRFB left-hand indications (every unit, in parallel)."),
                line("beacon_right", \.beaconRight, doc: "RRFB right-hand indications."),
                line("in_road_markers", \.inRoadMarkers, doc: "In-road LED markers."),
                line("warning_sign", \.warningSign, doc: "Driver warning sign."),
                line("safety_bar", \.safetyBar, doc: "Safety bar (active: raised, pedestrians may cross)."),
                line("audio_guide", \.audioGuide, doc: "Voice guidance trigger."),
                .section("beacon_dimmer", \.beaconDimmer, BeaconDimmer.section),
                .stallLimit(\.stallLimit, loop: "flash loop", steps: "10 ms", default: "500"),
            ],
            rules: [beaconsInOnePlace])
    }

    /// Beacons on the dimmer are not also on GPIO lines: a line named as well would be a wiring mistake left unnoticed.
    private static func beaconsInOnePlace(
        _ reader: inout NodeReader, _ found: ConfigSection<Self>.Found, _ hardware: inout Self
    ) {
        guard hardware.beaconDimmer.address != nil else { return }
        for key in ["beacon_left", "beacon_right"] {
            guard let node = found.keys[key] else { continue }
            reader.report(
                .invalidValue, at: found.path.appending(key), expected: "absent while beacon_dimmer drives the beacons",
                found: NodeReader.describe(node), node: node)
        }
    }
}

extension CrosswalkConfiguration.Hardware.BeaconDimmer {
    static var section: ConfigSection<Self> {
        ConfigSection(
            doc:
                "A PCA9685 PWM controller driving the beacons (dimmable, see beacon_intensity) instead of the"
                + " beacon_left/beacon_right GPIO lines; without an address the beacons are on GPIO lines.",
            keys: [
                .i2cAddressOrNone(
                    "address", \.address, doc: "PCA9685 address (0x40 with its A5–A0 pins low), or \"none\"."),
                .string(
                    "i2c_bus", \.i2cBus, doc: "Board I²C bus name (i2c-1 on a Raspberry Pi, sim-i2c-0 on the rig)."),
                .integer("left_channel", \.leftChannel, 0...15, doc: "PCA9685 channel of the left-hand indications."),
                .integerOrNone(
                    "right_channel", \.rightChannel, 0...15, as: .identity,
                    doc: "PCA9685 channel of the right-hand indications, or \"none\"."),
                // PCA9685 7.3.5: prescale 3…255 at the 25 MHz oscillator gives 1526 Hz down to 24 Hz; 1 kHz puts 50
                // PWM periods in the shortest IA-21 flash (50 ms) and is far above visible flicker.
                .integer(
                    "frequency_hz", \.frequencyHz, 24...1_526, "Hz", doc: "PWM frequency (PCA9685 prescale range)."),
            ],
            rules: [distinctChannels])
    }

    private static func distinctChannels(
        _ reader: inout NodeReader, _ found: ConfigSection<Self>.Found, _ dimmer: inout Self
    ) {
        guard !found.invalid.contains("left_channel"), let node = found.valid("right_channel"),
            dimmer.rightChannel == dimmer.leftChannel
        else { return }
        reader.report(
            .invalidValue, at: found.path.appending("right_channel"),
            expected: "a channel other than left_channel (\(dimmer.leftChannel))",
            found: NodeReader.describe(node), node: node)
    }
}

extension CrosswalkConfiguration.Hardware.Zone {
    static var section: ConfigSection<Self> {
        ConfigSection(
            doc: "One presence zone.",
            keys: [
                .string("presence", \.presence, doc: "Board GPIO line of the detector's presence output.").required(),
                .string(
                    "heartbeat", \.heartbeat, parse: { $0 == "none" ? .some(nil) : $0 }, format: { $0 ?? "none" },
                    doc: "Board GPIO line of the detector's heartbeat (pulses while it works), or \"none\"."),
            ])
    }
}

extension CrosswalkConfiguration.Hardware.Button {
    static var section: ConfigSection<Self> {
        ConfigSection(
            doc: "One push button.",
            keys: [.string("line", \.line, doc: "Board GPIO line of the button.").required()])
    }
}
