public import HAL

extension SDM630 {
    /// Input registers (function 04) of the Eastron SDM630-Modbus V2 ("SDM630 Modbus Protocol", input register
    /// table, parameter numbers 1…): each parameter is an IEEE 754 float over two registers, high word first
    /// (`ModbusWordOrder.bigEndian`). Addresses are protocol (0-based) addresses: parameter 30001 is 0x0000.
    public enum Register {
        /// Phase 1…3 line-to-neutral volts (30001, 30003, 30005).
        public static let phaseVolts: [RegisterAddress] = [0x0000, 0x0002, 0x0004]
        /// Phase 1…3 current, amps (30007…30011).
        public static let phaseAmps: [RegisterAddress] = [0x0006, 0x0008, 0x000A]
        /// Phase 1…3 active power, watts (30013…30017); negative when exporting.
        public static let phaseWatts: [RegisterAddress] = [0x000C, 0x000E, 0x0010]
        /// Phase 1…3 power factor (30031…30035).
        public static let phasePowerFactor: [RegisterAddress] = [0x001E, 0x0020, 0x0022]
        /// Total system power, watts (30053).
        public static let totalWatts: RegisterAddress = 0x0034
        /// Frequency of supply voltages, hertz (30071).
        public static let frequency: RegisterAddress = 0x0046
        /// Total import active energy, kWh (30073).
        public static let importKWh: RegisterAddress = 0x0048
        /// Total export active energy, kWh (30075).
        public static let exportKWh: RegisterAddress = 0x004A
        /// Total active energy, kWh (30343).
        public static let totalKWh: RegisterAddress = 0x0156
    }

    /// Blocks read per poll. The meter answers at most 40 parameters (80 registers) per request, and we keep
    /// to ranges the meter defines throughout.
    static let blocks: [(address: RegisterAddress, count: Int)] = [
        (0x0000, 0x24),  // volts, amps, watts, VA, VAr, power factor for three phases
        (Register.totalWatts, 2),
        (Register.frequency, 6),  // frequency, import kWh, export kWh
    ]

    /// The factory default unit ID and line settings (9600 Bd, 8N1; the meter's menu changes them).
    public static let defaultUnit: ModbusUnitID = 1
}
