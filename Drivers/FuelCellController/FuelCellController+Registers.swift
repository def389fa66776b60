public import HAL

extension FuelCellController {
    /// Curbside generic fuel-cell controller register map, version 1.0 — documented for integrators in
    /// `Firmware-config/modbus/fuel-cell-controller.md`. 0-based protocol addresses; 32-bit values are IEEE 754
    /// floats or unsigned integers, high word first (`ModbusWordOrder.bigEndian`).
    public enum Map {
        /// The map version in input register `version`: major in the high byte.
        public static let version: UInt16 = 0x0100

        /// Coils (function 01/05/0F).
        public enum Coil {
            /// 1 = run request, 0 = stop request (a controlled shutdown with cool-down).
            public static let run: RegisterAddress = 0
            /// Writing 1 clears latched faults if their cause is gone; reads back 0.
            public static let resetFaults: RegisterAddress = 1
            /// 1 = emergency stop: H₂ valve closed at once, no cool-down; latched until `resetFaults`.
            public static let emergencyStop: RegisterAddress = 2
        }

        /// Discrete inputs (function 02).
        public enum DiscreteInput {
            public static let running: RegisterAddress = 0
            public static let faultActive: RegisterAddress = 1
            public static let warningActive: RegisterAddress = 2
            public static let hydrogenValveOpen: RegisterAddress = 3
            public static let coolingPumpOn: RegisterAddress = 4
            public static let count = 5
        }

        /// Input registers (function 04).
        public enum InputRegister {
            public static let state: RegisterAddress = 0
            public static let faults: RegisterAddress = 1
            public static let warnings: RegisterAddress = 2
            public static let stackVolts: RegisterAddress = 3
            public static let stackAmps: RegisterAddress = 5
            public static let stackCelsius: RegisterAddress = 7
            public static let electricalKW: RegisterAddress = 9
            public static let heatKW: RegisterAddress = 11
            public static let hydrogenInletBar: RegisterAddress = 13
            public static let hydrogenConcentrationPercentLEL: RegisterAddress = 15
            public static let operatingHours: RegisterAddress = 17
            public static let producedKWh: RegisterAddress = 19
            public static let ratedKW: RegisterAddress = 21
            public static let version: RegisterAddress = 23
            public static let count = 24
        }

        /// Holding registers (function 03/06/10).
        public enum HoldingRegister {
            /// Electrical power set-point, kW (float), 0…rated.
            public static let powerSetpointKW: RegisterAddress = 0
            /// Communication watchdog, seconds; 0 = off. Without a write to `watchdogKick` (or any holding register)
            /// for this long, the controller stops (controlled shutdown) and raises `communicationLost`.
            public static let watchdogSeconds: RegisterAddress = 2
            /// Write any value to keep the watchdog alive.
            public static let watchdogKick: RegisterAddress = 3
            public static let count = 4
        }
    }

    /// Operating state (input register `state`).
    public enum State: UInt16, Sendable, Hashable, CustomStringConvertible {
        case off = 0
        case starting = 1
        case running = 2
        case stopping = 3
        case fault = 4
        case emergencyStop = 5

        public var description: String {
            switch self {
            case .off: "off"
            case .starting: "starting"
            case .running: "running"
            case .stopping: "stopping"
            case .fault: "fault"
            case .emergencyStop: "emergency stop"
            }
        }
    }

    /// Fault bits (input register `faults`); any set bit trips the stack to `fault`.
    public struct Faults: OptionSet, Sendable, Hashable, CustomStringConvertible {
        public let rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }
        public static let overTemperature = Faults(rawValue: 1 << 0)
        public static let hydrogenPressureLow = Faults(rawValue: 1 << 1)
        public static let hydrogenLeak = Faults(rawValue: 1 << 2)
        public static let stackUndervoltage = Faults(rawValue: 1 << 3)
        public static let coolingFailure = Faults(rawValue: 1 << 4)
        public static let communicationLost = Faults(rawValue: 1 << 5)

        static let names: [(Faults, String)] = [
            (.overTemperature, "over-temperature"), (.hydrogenPressureLow, "H2 pressure low"),
            (.hydrogenLeak, "H2 leak"), (.stackUndervoltage, "stack undervoltage"),
            (.coolingFailure, "cooling failure"), (.communicationLost, "communication lost"),
        ]

        public var names: [String] { Self.names.filter { contains($0.0) }.map(\.1) }
        public var description: String { names.isEmpty ? "none" : names.joined(separator: ", ") }
    }
}
