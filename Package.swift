// swift-tools-version:6.0
import PackageDescription

// Upcoming features we opt into everywhere (see STYLE.md):
// - ExistentialAny:          https://github.com/swiftlang/swift-evolution/blob/main/proposals/0335-existential-any.md
// - MemberImportVisibility:  https://github.com/swiftlang/swift-evolution/blob/main/proposals/0444-member-import-visibility.md
// - InternalImportsByDefault: https://github.com/swiftlang/swift-evolution/blob/main/proposals/0409-access-level-on-imports.md
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

/// A driver folder under `Drivers/<Chip>/` (driver, register map, simulated chip); drivers see the HAL only.
func driver(_ name: String) -> Target {
    .target(
        name: name, dependencies: ["HAL", "Locking"], path: "Drivers/\(name)", exclude: ["README.md"],
        swiftSettings: swiftSettings)
}

/// A daemon's own executable: one line running its `DeviceDaemon` from the daemon's library target (`curbside` links
/// the same library).
func daemonExecutable(_ name: String, _ library: String) -> Target {
    .executableTarget(
        name: name, dependencies: ["DaemonComposition", .target(name: library)], path: "Sources/Executables/\(name)",
        swiftSettings: swiftSettings)
}

let package = Package(
    name: "Curbside",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "HAL", targets: ["HAL"]),
        .library(name: "HALSim", targets: ["HALSim"]),
        .library(name: "HALLinux", targets: ["HALLinux"]),
        .library(name: "BoardSupport", targets: ["BoardSupport"]),
        .library(name: "CurbsideTestKit", targets: ["CurbsideTestKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        // 4.x: its Crypto imports FoundationEssentials where 3.x imported the full Foundation (and so ICU).
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        // Layer 1: C libraries, headers only (plus static inline shims for macros).
        .systemLibrary(name: "CGPIOD", pkgConfig: "libgpiod", providers: [.apt(["libgpiod-dev"])]),
        .systemLibrary(name: "CI2C", providers: [.apt(["libi2c-dev"])]),
        .systemLibrary(name: "CModbus", pkgConfig: "libmodbus", providers: [.apt(["libmodbus-dev"])]),
        .systemLibrary(name: "CMosquitto", pkgConfig: "libmosquitto", providers: [.apt(["libmosquitto-dev"])]),
        .systemLibrary(name: "CFFTW", pkgConfig: "fftw3", providers: [.apt(["libfftw3-dev"])]),
        // glibc's <sys/timex.h> (adjtimex), which the Glibc module leaves out: curbctl check's clock-sync test.
        .systemLibrary(name: "CTimex"),

        // The project's lock (`Lock`): `Synchronization.Mutex`, or a pthread mutex ThreadSanitizer can see when built
        // with `-DCURBSIDE_TSAN` (`make sanitize`). Below every module that guards state with a lock.
        .target(name: "Locking", swiftSettings: swiftSettings),
        // Yams 5.0.1 (MIT, Sources/Yams/LICENSE) with libyaml, kept here with its Foundation uses replaced so that
        // nothing a daemon links needs the full Foundation and ICU (NSRegularExpression → hand-written matchers, NSNull →
        // YamlNull, DateFormatter/NumberFormatter/String(format:) → C formatting; see README "Footprint"). It stays
        // in Swift 5 language mode, as upstream 5.0.1 is written.
        .target(name: "CYaml", exclude: ["LICENSE"], cSettings: [.define("YAML_DECLARE_EXPORT")]),
        .target(
            name: "Yams", dependencies: ["CYaml"], exclude: ["LICENSE"], swiftSettings: [.swiftLanguageMode(.v5)]),

        // Layer 2: the hardware abstraction and its two backends.
        .target(name: "HAL", dependencies: ["Locking"], swiftSettings: swiftSettings),
        .target(name: "HALSim", dependencies: ["Locking", "HAL"], swiftSettings: swiftSettings),
        .target(
            name: "HALLinux",
            dependencies: [
                "Locking", "HAL", "CGPIOD", "CI2C", "CModbus",
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: swiftSettings),
        // The MQTT transport: the only module above the HAL that touches C (libmosquitto).
        .target(name: "MQTTTransport", dependencies: ["Locking", "CMosquitto"], swiftSettings: swiftSettings),
        // Layer 4: the agent runtime every daemon composes.
        .target(
            name: "AgentRuntime",
            dependencies: [
                "Locking", "HAL", "MQTTTransport", "ConfigSupport", "Yams",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"), .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings),
        // Path-precise validation of YAML documents (board files, agent and device configs, rig files).
        .target(
            name: "ConfigSupport", dependencies: ["Yams"],
            swiftSettings: swiftSettings),
        .target(
            name: "BoardSupport",
            dependencies: ["HAL", "ConfigSupport", "Yams"],
            swiftSettings: swiftSettings),

        // The virtual rig: its control protocol, the server hosting simulated boards, and the daemons' `sim` backend.
        .target(
            name: "RigProtocol", dependencies: [.product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: swiftSettings),
        .target(
            name: "RigServer",
            dependencies: [
                "Locking", "RigProtocol", "HAL", "HALSim", "HALLinux", "BoardSupport", "ConfigSupport", "AT24C02",
                "BME280",
                "SPS30", "VEML7700", "INA219", "PCA9685", "SDM630", "FuelCellController", "ADXL355", "ADS1115",
                "MCP23017", "ADXL345",
                "Yams",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings),
        .target(
            name: "HALRig",
            dependencies: [
                "Locking", "RigProtocol", "HAL", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings),

        // Layer 3: drivers, each with its register-level simulated chip.
        driver("AT24C02"),
        driver("BME280"),
        driver("SPS30"),
        driver("VEML7700"),
        driver("INA219"),
        driver("PCA9685"),
        driver("ADS1115"),
        driver("ADXL355"),
        driver("MCP23017"),
        driver("ADXL345"),
        driver("SDM630"),
        driver("FuelCellController"),

        // Layer 5: device logic, pure Swift (no C, no MQTT), driven by injected time and inputs.
        .target(
            name: "StreetlightLogic",
            dependencies: ["HAL", "ConfigSupport", "Yams"],
            swiftSettings: swiftSettings),
        // Vibration analysis; the one device-logic library allowed a C module: FFTW for the spectrum, behind a
        // single wrapper file (`RealFFT.swift`). The runtime only for `AtomicFile` (the capture store's files).
        .target(
            name: "VibrationLogic",
            dependencies: [
                "HAL", "CFFTW", "ConfigSupport", "AgentRuntime", "Yams",
            ],
            exclude: ["README.md"], swiftSettings: swiftSettings),

        // The smart crossing's state machine, RRFB flash pattern and settings; pure Swift, time injected.
        .target(
            name: "CrosswalkLogic",
            dependencies: ["HAL", "ConfigSupport", "Yams"],
            swiftSettings: swiftSettings),

        // modbusd's register maps, data types and word orders, read planner, deadband and backoff; pure Swift.
        .target(
            name: "ModbusBridgeLogic",
            dependencies: ["HAL", "ConfigSupport", "Yams"],
            swiftSettings: swiftSettings),
        // modbusd's devices polled through the HAL's Modbus client, publishing through the runtime.
        .target(
            name: "ModbusBridgeDevice",
            dependencies: [
                "HAL", "ModbusBridgeLogic", "AgentRuntime", "ConfigSupport", "DaemonComposition",
                "Yams",
            ],
            swiftSettings: swiftSettings),
        // The AC charge point's state machine (IEC 61851-1), pilot classification, duty/current tables, sessions.
        .target(
            name: "ChargerLogic",
            dependencies: ["ConfigSupport", "Yams"],
            swiftSettings: swiftSettings),

        // The charge point's machine bound to its parts (pilot PWM and ADC, lines, meter); sessions stored durably.
        // DaemonComposition only for the Modbus placement keys of its `hardware` section (`ModbusDeviceSettings`).
        .target(
            name: "ChargerDevice",
            dependencies: [
                "HAL", "ChargerLogic", "AgentRuntime", "ConfigSupport", "DaemonComposition", "ADS1115", "PCA9685",
                "SDM630", "Yams",
            ],
            swiftSettings: swiftSettings),
        // The fuel-cell plant's sequence, latched safety and set-point ramp; pure Swift, time injected.
        .target(
            name: "FuelCellLogic",
            dependencies: ["ConfigSupport", "Yams"],
            swiftSettings: swiftSettings),

        // The plant's state machine bound to its controller (Modbus), H2 detector (ADS1115) and lines.
        .target(
            name: "FuelCellDevice",
            dependencies: [
                "HAL", "FuelCellLogic", "FuelCellController", "ADS1115", "AgentRuntime", "ConfigSupport",
                "DaemonComposition", "Yams",
            ],
            swiftSettings: swiftSettings),
        // The crossing's state machine bound to its GPIO lines, publishing through the runtime.
        .target(
            name: "CrosswalkDevice",
            dependencies: [
                "HAL", "CrosswalkLogic", "AgentRuntime", "ConfigSupport", "PCA9685",
                "Yams",
            ],
            swiftSettings: swiftSettings),
        // The streetlight's device logic bound to its parts (drivers, HAL), publishing through the runtime.
        .target(
            name: "StreetlightDevice",
            dependencies: [
                "HAL", "StreetlightLogic", "AgentRuntime", "ConfigSupport", "BME280", "SPS30", "VEML7700", "INA219",
                "PCA9685", "Yams",
            ],
            swiftSettings: swiftSettings),
        // The vibration gauge's device logic bound to its ADXL355.
        .target(
            name: "VibrationDevice",
            dependencies: [
                "HAL", "VibrationLogic", "AgentRuntime", "ConfigSupport", "ADXL355",
                "Yams",
            ],
            swiftSettings: swiftSettings),
        // Layer 6: the one composition every daemon uses: command line, configuration, parts by board name on the
        // configured backend (Linux or the rig), session, remote configuration, health, watchdog, loops, shutdown.
        .target(
            name: "DaemonComposition",
            dependencies: [
                "Locking", "HAL", "HALLinux", "HALRig", "RigProtocol", "BoardSupport", "AgentRuntime", "ConfigSupport",
                .product(name: "Logging", package: "swift-log"), "Yams",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings),

        // Layer 7: the daemons, each its logic, its parts and its `DeviceDaemon` (in Sources/<daemon>/, a library so
        // that `curbside` can link them all), then one executable of a line per daemon and the multi-call `curbside`.
        .target(
            name: "VibrationDaemon",
            dependencies: ["VibrationDevice", "VibrationLogic", "DaemonComposition", "AgentRuntime", "HAL"],
            path: "Sources/vibrationd",
            exclude: ["README.md"], swiftSettings: swiftSettings),
        .target(
            name: "StreetlightDaemon",
            dependencies: [
                "StreetlightDevice", "StreetlightLogic", "DaemonComposition", "AgentRuntime", "HAL",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/streetlightd",
            exclude: ["README.md"], swiftSettings: swiftSettings),
        .target(
            name: "CrosswalkDaemon",
            dependencies: [
                "CrosswalkDevice", "CrosswalkLogic", "DaemonComposition", "AgentRuntime", "HAL", "PCA9685",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/crosswalkd",
            exclude: ["README.md"], swiftSettings: swiftSettings),
        .target(
            name: "ModbusDaemon",
            dependencies: [
                "ModbusBridgeDevice", "ModbusBridgeLogic", "DaemonComposition", "AgentRuntime", "HAL",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/modbusd",
            exclude: ["README.md"], swiftSettings: swiftSettings),
        .target(
            name: "ChargerDaemon",
            dependencies: [
                "ChargerDevice", "ChargerLogic", "DaemonComposition", "AgentRuntime", "ConfigSupport", "HAL", "ADS1115",
                "PCA9685", "SDM630", .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/chargerd",
            exclude: ["README.md"], swiftSettings: swiftSettings),
        .target(
            name: "FuelCellDaemon",
            dependencies: [
                "FuelCellDevice", "FuelCellLogic", "FuelCellController", "ADS1115", "DaemonComposition", "AgentRuntime",
                "ConfigSupport", "HAL", .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/fuelcelld",
            exclude: ["README.md"], swiftSettings: swiftSettings),
        .target(
            name: "CurbAgentDaemon",
            dependencies: [
                "Locking", "DaemonComposition", "AgentRuntime", "ConfigSupport",
                "Yams",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/curb-agent",
            swiftSettings: swiftSettings),

        daemonExecutable("vibrationd", "VibrationDaemon"),
        daemonExecutable("streetlightd", "StreetlightDaemon"),
        daemonExecutable("crosswalkd", "CrosswalkDaemon"),
        daemonExecutable("modbusd", "ModbusDaemon"),
        daemonExecutable("chargerd", "ChargerDaemon"),
        daemonExecutable("fuelcelld", "FuelCellDaemon"),
        daemonExecutable("curb-agent", "CurbAgentDaemon"),
        // Every daemon in one binary, busybox-style: run as a link named after a daemon (/usr/bin/streetlightd →
        // curbside) or as `curbside <daemon> ARGS` (README "Footprint"); what `make package` ships.
        .executableTarget(
            name: "curbside",
            dependencies: [
                "DaemonComposition", "VibrationDaemon", "StreetlightDaemon", "CrosswalkDaemon", "ModbusDaemon",
                "ChargerDaemon", "FuelCellDaemon", "CurbAgentDaemon",
            ],
            swiftSettings: swiftSettings),

        // curbctl's device side (issue 16): the commissioning check, the wiring helpers and provisioning, as
        // argument-parser commands the `curbctl` executable lists among its subcommands.
        .target(
            name: "CurbctlDevice",
            dependencies: [
                "HAL", "HALRig", "BoardSupport", "AgentRuntime", "ConfigSupport", "DaemonComposition", "MQTTTransport",
                "CTimex", "ConfigSchemas", "StreetlightDevice", "VibrationDevice", "CrosswalkDevice",
                "ModbusBridgeDevice", "ChargerDevice", "FuelCellDevice", "ADS1115", "ADXL345", "ADXL355", "AT24C02",
                "BME280", "INA219", "MCP23017", "PCA9685", "SPS30", "VEML7700",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                "Yams", .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings),
        // curbctl's fleet side: broker profiles, the device list, watch formatting, commands, configuration push,
        // capture download over the MQTT contract (the device side lives in CurbctlDevice). No device modules: the
        // local validation of a pushed configuration is ConfigSchemas' DeviceKinds, used by the executable.
        .target(
            name: "CurbctlFleet",
            dependencies: [
                "Locking", "AgentRuntime", "MQTTTransport", "ConfigSupport", "HAL", "VibrationLogic",
                "Yams", .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings),
        // The technician and operator CLI: one binary, one subcommand per task.
        .executableTarget(
            name: "curbctl",
            dependencies: [
                "CurbctlFleet", "CurbctlDevice", "ConfigSchemas", "AgentRuntime", "MQTTTransport", "VibrationLogic",
                "HAL", "ConfigSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings),

        // The device kinds (kind, daemon, `device` section type) and the configuration JSON Schemas generated from
        // the key declarations (`make schemas`, the drift test); curbctl validates and lists parts from the kinds.
        .target(
            name: "ConfigSchemas",
            dependencies: [
                "ConfigSupport", "AgentRuntime", "BoardSupport", "StreetlightDevice", "VibrationDevice",
                "CrosswalkDevice", "ModbusBridgeDevice", "ModbusBridgeLogic",
                "ChargerDevice", "FuelCellDevice",
            ],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "curb-schema", dependencies: ["ConfigSchemas", "ConfigSupport"], swiftSettings: swiftSettings),

        .target(
            name: "ScenarioRunner",
            dependencies: [
                "Locking", "HAL", "RigServer", "RigProtocol", "HALRig", "MQTTTransport", "ConfigSupport",
                "CurbsideTestKit",
                "Yams",
            ],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "curb-rig",
            dependencies: [
                "RigServer", "ScenarioRunner", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings),

        // The fuzz targets (make fuzz, Tests/Fuzz/): one binary, the target named by its first argument. Built with
        // -sanitize=fuzzer -D CURBSIDE_FUZZING (Tools/fuzz) it is a libFuzzer driver; the ordinary build makes it a
        // replayer of inputs (the seed corpus, a crash file) through the same target code.
        .executableTarget(
            name: "curbside-fuzz",
            dependencies: [
                "AgentRuntime", "ConfigSupport", "BoardSupport", "HAL", "RigServer", "RigProtocol", "ScenarioRunner",
                "ModbusBridgeLogic", "ModbusBridgeDevice", "StreetlightDevice", "VibrationDevice", "CrosswalkDevice",
                "ChargerDevice", "FuelCellDevice", .product(name: "Crypto", package: "swift-crypto"),
                "Yams",
            ],
            swiftSettings: swiftSettings),

        // make sanitize's ThreadSanitizer check: a deliberate race it must report, `Lock` it must not (Tools/sanitize).
        .executableTarget(name: "tsan-probe", dependencies: ["Locking"], swiftSettings: swiftSettings),

        // Benchmarks: separate from tests, figures as ratios against a baseline measured in the same run.
        .executableTarget(
            name: "agent-bench", dependencies: ["Locking", "HAL", "AgentRuntime", "MQTTTransport", "CurbsideTestKit"],
            path: "Benchmarks/agent-bench",
            swiftSettings: swiftSettings),

        // vibrationd's own analysis cost (window analysis and capture ring) on synthetic samples, no transport.
        .executableTarget(
            name: "vibration-bench", dependencies: ["HAL", "VibrationLogic"], path: "Benchmarks/vibration-bench",
            swiftSettings: swiftSettings),

        // What the daemon benchmarks share: the rig and broker (BenchRig), reactions timed on the rig's chip (Reaction),
        // percentiles and ratios, the daemons' reported reaction_ms and the broker flood.
        .target(
            name: "BenchSupport",
            dependencies: [
                "Locking", "HAL", "HALSim", "HALRig", "RigServer", "BoardSupport", "MQTTTransport", "CurbsideTestKit",
            ],
            path: "Benchmarks/BenchSupport", swiftSettings: swiftSettings),
        // crosswalkd's interlock reaction on the rig against a bare copy of input to output on the same backend.
        .executableTarget(
            name: "crosswalk-bench",
            dependencies: [
                "BenchSupport", "RigServer", "HALRig", "HAL", "HALSim", "BoardSupport", "MQTTTransport",
                "CurbsideTestKit",
            ],
            path: "Benchmarks/crosswalk-bench", swiftSettings: swiftSettings),
        // chargerd's contactor opening (EV C → B, RCD trip) on the rig, against the same bare copy of input to output.
        .executableTarget(
            name: "charger-bench",
            dependencies: [
                "BenchSupport", "RigServer", "RigProtocol", "HALRig", "HAL", "HALSim", "BoardSupport", "MQTTTransport",
                "CurbsideTestKit",
            ],
            path: "Benchmarks/charger-bench", swiftSettings: swiftSettings),
        // fuelcelld's trip reaction (leak contact → valve closed) on the rig against the same bare copy.
        .executableTarget(
            name: "fuelcell-bench",
            dependencies: ["BenchSupport", "HALSim", "MQTTTransport", "CurbsideTestKit"],
            path: "Benchmarks/fuelcell-bench", swiftSettings: swiftSettings),

        // Test support ships as a library (external peers: pymodbus, mbpoll, socat, mosquitto).
        .target(name: "CurbsideTestKit", dependencies: ["Locking", "HAL"], swiftSettings: swiftSettings),
        // Test support for device controllers: a sink that records what they publish, a clock moved by hand.
        .target(
            name: "DeviceTestKit",
            dependencies: ["Locking", "AgentRuntime", "ConfigSupport", "Yams"],
            swiftSettings: swiftSettings),

        .testTarget(name: "HALTests", dependencies: ["HAL"], swiftSettings: swiftSettings),
        // `curbside`: every daemon by a link's name and by first argument, the same as its own binary (spawned).
        .testTarget(name: "MultiCallTests", dependencies: ["CurbsideTestKit"], swiftSettings: swiftSettings),
        // One short iteration of Benchmarks/bench (make bench): the harness builds and reports every figure.
        .testTarget(
            name: "BenchmarkHarnessTests", dependencies: ["CurbsideTestKit"], swiftSettings: swiftSettings),
        .testTarget(
            name: "StreetlightLogicTests",
            dependencies: ["StreetlightLogic", "HAL", "ConfigSupport", "Yams"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "VibrationLogicTests",
            dependencies: ["VibrationLogic", "HAL", "ConfigSupport", "Yams"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "CrosswalkLogicTests",
            dependencies: ["CrosswalkLogic", "ConfigSupport", "Yams"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "ModbusBridgeLogicTests",
            dependencies: ["ModbusBridgeLogic", "ConfigSupport", "HAL"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "ModbusBridgeDeviceTests",
            dependencies: [
                "ModbusBridgeDevice", "ModbusBridgeLogic", "AgentRuntime", "ConfigSupport", "HAL", "HALLinux", "HALSim",
                "DaemonComposition", "CurbsideTestKit", "Yams",
            ],
            exclude: ["peers"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ChargerLogicTests",
            dependencies: ["ChargerLogic", "ConfigSupport", "Yams"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "ChargerDeviceTests",
            dependencies: [
                "Locking", "ChargerDevice", "ChargerLogic", "AgentRuntime", "ConfigSupport", "DeviceTestKit", "HAL",
                "HALSim",
                "HALLinux", "ADS1115", "PCA9685", "SDM630", "Yams",
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "FuelCellLogicTests",
            dependencies: ["FuelCellLogic", "ConfigSupport", "Yams"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "FuelCellDeviceTests",
            dependencies: [
                "Locking", "FuelCellDevice", "FuelCellLogic", "FuelCellController", "ADS1115", "AgentRuntime",
                "ConfigSupport",
                "DeviceTestKit", "HAL", "HALSim", "HALLinux", "Yams",
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "CrosswalkDeviceTests",
            dependencies: [
                "Locking", "CrosswalkDevice", "CrosswalkLogic", "AgentRuntime", "ConfigSupport", "HAL", "HALSim",
                "PCA9685",
                "DeviceTestKit", "Yams",
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "HALSimTests", dependencies: ["Locking", "HAL", "HALSim", "AT24C02", "CurbsideTestKit"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "HALLinuxTests",
            dependencies: [
                "Locking", "HAL", "HALLinux", "HALSim", "CurbsideTestKit", "BME280", "VEML7700", "INA219", "PCA9685",
                "ADS1115",
                "MCP23017", "ADXL355", "ADXL345", "RigServer", "StreetlightDevice", "StreetlightLogic",
                "DaemonComposition",
                "BoardSupport",
                "AgentRuntime",
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "ModbusInteropTests", dependencies: ["Locking", "HAL", "HALLinux", "HALSim", "CurbsideTestKit"],
            exclude: ["peers"], swiftSettings: swiftSettings),
        .testTarget(
            name: "MQTTTransportTests", dependencies: ["MQTTTransport", "CurbsideTestKit"], exclude: ["peers"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "AgentRuntimeTests",
            dependencies: [
                "Locking", "AgentRuntime", "MQTTTransport", "ConfigSupport", "CurbsideTestKit",
                "Yams", .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "RigTests",
            dependencies: [
                "DaemonComposition", "AgentRuntime", "ConfigSupport", "Yams",
                "RigServer", "RigProtocol", "HALRig", "HAL", "HALLinux", "AT24C02", "VEML7700", "INA219", "PCA9685",
                "SDM630", "FuelCellController", "ADXL355", "HALSim", "ScenarioRunner", "CurbsideTestKit",
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "StreetlightDeviceTests",
            dependencies: [
                "Locking", "StreetlightDevice", "StreetlightLogic", "AgentRuntime", "ConfigSupport", "HAL", "HALSim",
                "BME280",
                "SPS30", "VEML7700", "INA219", "PCA9685", "Yams",
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "VibrationDeviceTests",
            dependencies: [
                "Locking", "VibrationDevice", "VibrationLogic", "AgentRuntime", "ConfigSupport", "DeviceTestKit", "HAL",
                "HALSim", "ADXL355",
                "CurbsideTestKit",
                "Yams",
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "DaemonCompositionTests",
            dependencies: [
                "Locking", "DaemonComposition", "AgentRuntime", "ConfigSupport", "HAL", "HALLinux", "HALSim",
                "BoardSupport",
                "CurbsideTestKit", "Yams",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "ConfigSchemaTests",
            dependencies: [
                "ConfigSchemas", "ConfigSupport", "AgentRuntime", "StreetlightDevice", "VibrationDevice",
                "CurbsideTestKit",
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "CurbctlDeviceTests",
            dependencies: [
                "Locking", "CurbctlDevice", "RigServer", "HALRig", "RigProtocol", "HAL", "CurbsideTestKit",
                "BoardSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "CurbctlTests",
            dependencies: [
                "Locking", "CurbctlFleet", "ConfigSchemas", "AgentRuntime", "MQTTTransport", "VibrationLogic", "HAL",
                "RigServer",
                "RigProtocol", "HALRig", "CurbsideTestKit",
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "BoardSupportTests", dependencies: ["BoardSupport", "ConfigSupport", "HAL", "Yams"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "DriverTests",
            dependencies: [
                "Locking", "HAL", "HALSim", "AT24C02", "BME280", "SPS30", "VEML7700", "INA219", "PCA9685", "ADS1115",
                "ADXL355",
                "MCP23017", "SDM630", "FuelCellController", "HALLinux", "ADXL345",
            ],
            swiftSettings: swiftSettings),
    ],
    swiftLanguageModes: [.v6]
)
