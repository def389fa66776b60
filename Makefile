# Thin wrappers over `swift` (see README.md). `make test` is what CI runs.
SWIFT       ?= swift
SWIFT_FLAGS ?=
FORMAT_DIRS := Sources Tests Drivers Package.swift
# The daemons that run on a rig, from the one table of daemons (Tools/daemons).
STACK_DAEMONS := $(shell awk '!/^[[:space:]]*(\#|$$)/ && $$2 != "-" {print $$1}' Tools/daemons)

.PHONY: all bootstrap build package test test-linux-backends test-unit test-integration hil hil-vm-smoke demo fuzz format lint config-check schemas bench bench-daemons bench-crosswalk bench-crosswalk-kernel bench-charger bench-fuelcell bench-footprint soak clean

all: build

bootstrap:
	@Tools/bootstrap

build: bootstrap
	$(SWIFT) build $(SWIFT_FLAGS)

# The whole suite: unit tests, drivers against their simulated chips, and integration tests against real peers
# (pymodbus, mbpoll, socat pty pairs). Tests that need hardware absent here print why they skip.
test: bootstrap
	$(SWIFT) build --build-tests $(SWIFT_FLAGS)
	Tools/config-check
	$(SWIFT) test --skip-build $(SWIFT_FLAGS)
	Tools/fuzz --replay --seconds $(FUZZ_TEST_SECONDS)
	$(MAKE) test-linux-backends

# The Linux GPIO/I2C backends against the kernel's own simulators (gpio-sim, i2c-stub) in a QEMU VM: the same
# backend-neutral test bodies that run on the simulator above. Fails, with the reason, when the VM cannot start.
# Then the daemons' HIL scenarios with the VM as the rig's second target (Tests/Scenarios/kernel: rig file on the
# sim-kernel board, daemons on `hal: linux`). Inside the VM a skipped Linux-backend test fails the run (Tools/linux-backends).
test-linux-backends: bootstrap
	Tools/linux-backends

# The libFuzzer targets (Sources/curbside-fuzz, seeds in Tests/Fuzz/<target>/), built with -sanitize=fuzzer,address
# into .build-fuzz, each run for FUZZ_SECONDS; prints executions, time and coverage per target (Tools/fuzz).
# make test builds no sanitizer: it replays each seed corpus through the ordinary build's binary and runs seeded
# mutations for FUZZ_TEST_SECONDS per target. One target: make fuzz FUZZ_TARGETS=commands FUZZ_SECONDS=600
FUZZ_SECONDS ?= 60
FUZZ_TEST_SECONDS ?= 3
FUZZ_TARGETS ?=
fuzz: bootstrap
	FUZZ_SECONDS=$(FUZZ_SECONDS) Tools/fuzz $(FUZZ_TARGETS)

# Only the fast, process-free suites.
test-unit: bootstrap
	$(SWIFT) test $(SWIFT_FLAGS) --filter 'HALTests|HALSimTests|DriverTests|BoardSupportTests'

# Only the suites that start external peers.
test-integration: bootstrap
	$(SWIFT) test $(SWIFT_FLAGS) --filter 'ModbusInteropTests|HALLinuxTests'

# The suite under ThreadSanitizer (.build-tsan, built with -DCURBSIDE_TSAN so `Lock` is a pthread mutex TSan sees)
# and under AddressSanitizer (.build-asan), after tsan-probe proves a deliberate race is still reported
# (Tools/sanitize; README "Sanitizers"). Slow: not part of `make test`. SANITIZE_ONLY=tsan|asan runs one.
.PHONY: sanitize
sanitize: bootstrap
	Tools/sanitize

# One or more HIL scenarios against the rig: make hil SCENARIO=Tests/Scenarios/agent-commands.yaml
SCENARIO ?= Tests/Scenarios/*.yaml
hil: build
	.build/debug/curb-rig run --junit .build/hil-junit.xml $(SCENARIO)

# Kernel simulators (gpio-sim, i2c-stub) in a QEMU VM, checked with gpiod and i2c-tools (Tools/hil-vm).
hil-vm-smoke: bootstrap
	Tools/hil-vm run -- Tools/hil-vm-smoke

# The virtual rig + a local broker + the daemons, with the MQTT traffic printed (Tools/demo; Ctrl-C stops it).
demo: build
	Tools/demo

# Benchmarks (release build), in one run on this machine (Benchmarks/bench): modbusd against a C floor (cc, libmodbus,
# libmosquitto) and a Python peer (pymodbus, paho-mqtt); the agent runtime (agent-bench: command round trip, outbox);
# every daemon on the rig (daemon-footprint) and vibrationd's analysis (vibration-bench). Prints Markdown tables of
# medians and ratios against baselines measured in the same run, and writes .build/bench.json.
#   BENCH_FLAGS="--repeats 5 --seconds 20"   (--only pollers,agent,daemons picks sections)
BENCH_PRODUCTS := curb-agent agent-bench vibration-bench curb-rig $(STACK_DAEMONS)
BENCH_FLAGS ?=
bench: bootstrap
	for product in $(BENCH_PRODUCTS); do $(SWIFT) build -c release $(SWIFT_FLAGS) --product $$product || exit 1; done
	Benchmarks/bench $(BENCH_FLAGS)

# crosswalkd's interlock reaction (p50/p99) on the rig, quiet and under load, against a bare input→output copy.
bench-crosswalk: bootstrap
	for product in crosswalkd crosswalk-bench; do $(SWIFT) build -c release $(SWIFT_FLAGS) --product $$product || exit 1; done
	.build/release/crosswalk-bench

# The same interlock on real kernel GPIO: gpio-sim lines in the kernel-HIL VM (emulated; compare the ratio to the floor).
bench-crosswalk-kernel: bootstrap
	$(SWIFT) build -c release $(SWIFT_FLAGS) --product crosswalkd
	cc -O2 -Wall -o .build/crosswalk-kernel-floor Benchmarks/crosswalk-kernel-bench/floor.c -lgpiod
	Tools/hil-vm run -- python3 Benchmarks/crosswalk-kernel-bench/bench.py

# chargerd's contactor opening (EV C → B, RCD trip) p50/p99 on the rig, quiet and under load, against a bare copy.
bench-charger: bootstrap
	for product in chargerd charger-bench; do $(SWIFT) build -c release $(SWIFT_FLAGS) --product $$product || exit 1; done
	.build/release/charger-bench

# fuelcelld's trip reaction (leak contact → H2 valve closed, p50/p99) on the rig, quiet and under full telemetry load,
# against a bare input→output copy.
bench-fuelcell: bootstrap
	for product in fuelcelld fuelcell-bench; do $(SWIFT) build -c release $(SWIFT_FLAGS) --product $$product || exit 1; done
	.build/release/fuelcell-bench

# The fault-injection soak with its full figures (Tests/AgentRuntimeTests/SoakTests.swift; make test runs the short
# ones): prints them and keeps them in .build/soak-report.txt. CURBSIDE_SOAK_LOAD_S=N shortens the hour of load.
soak: bootstrap
	$(SWIFT) build --build-tests $(SWIFT_FLAGS)
	rm -f .build/soak-report.txt
	CURBSIDE_SOAK=1 CURBSIDE_SOAK_REPORT=$(CURDIR)/.build/soak-report.txt \
		$(SWIFT) test --skip-build $(SWIFT_FLAGS) --filter SoakTests; status=$$?; \
		echo; cat .build/soak-report.txt 2>/dev/null; exit $$status

# Steady RSS and CPU of the daemons on the rig (release build), with mosquitto_sub as the baseline.
bench-daemons: bootstrap
	for product in $(STACK_DAEMONS) curb-rig; do $(SWIFT) build -c release $(SWIFT_FLAGS) --product $$product || exit 1; done
	Benchmarks/daemon-footprint

# What each piece of a daemon costs (Benchmarks/footprint-ladder/ladder): RSS/USS/PSS and stripped size of a trivial
# Swift program, + FoundationEssentials, + Foundation, + Yams, + MQTTTransport, + the outbox, each dynamic and with
# -static-stdlib; then every daemon on its rig, dynamic, relinked with -static-stdlib, and as links to the multi-call
# curbside relinked with -static-stdlib (what the package ships); and the disk each takes. Medians of
# LADDER_FLAGS="--repeats N" (default 3).
LADDER_FLAGS ?=
bench-footprint: bootstrap
	for product in $(PACKAGE_PRODUCTS) curbside curb-rig; do \
		$(SWIFT) build -c release $(SWIFT_FLAGS) --product $$product || exit 1; done
	Benchmarks/footprint-ladder/ladder --bin .build/release --daemons .build/release --static .build/release \
		--multicall .build/release $(LADDER_FLAGS)

# The curbside suite .deb (Tools/package/build) from a release build with the Swift runtime linked in, so the board
# needs only Debian's C libraries: .build/package/curbside_<version>_<arch>.deb. README "Installing on a board".
# Every daemon is the one multi-call binary `curbside` (/usr/bin/<daemon> links to it; README "Footprint").
PACKAGE_PRODUCTS := $(shell awk '!/^[[:space:]]*(\#|$$)/ {print $$1}' Tools/daemons)
package: bootstrap
	$(SWIFT) build -c release --static-swift-stdlib $(SWIFT_FLAGS) --product curbside
	if grep -q 'name: "curbctl"' Package.swift; then \
		$(SWIFT) build -c release --static-swift-stdlib $(SWIFT_FLAGS) --product curbctl || exit 1; fi
	Tools/package/build $$($(SWIFT) build -c release --static-swift-stdlib $(SWIFT_FLAGS) --show-bin-path) .build/package

format:
	$(SWIFT) format format --in-place --recursive $(FORMAT_DIRS)

lint:
	$(SWIFT) format lint --strict --recursive $(FORMAT_DIRS)

# The configuration JSON Schemas (agent, streetlightd, vibrationd, crosswalkd and chargerd device sections), generated from the Swift key
# declarations; SchemaDriftTests fails when a committed schema differs from them.
schemas:
	$(SWIFT) build $(SWIFT_FLAGS) --product curb-schema
	.build/debug/curb-schema Firmware-config/schema Boards/board.schema.json

# Every example configuration against the daemons' --check-config and the JSON Schema.
config-check: build
	Tools/config-check

clean:
	rm -rf .build
