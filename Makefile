# Thin wrappers over `swift` (see README.md). `make test` is what CI runs.
SWIFT       ?= swift
SWIFT_FLAGS ?=
FORMAT_DIRS := Sources Tests Drivers Package.swift

.PHONY: all bootstrap build test test-unit test-integration hil demo format lint config-check bench clean

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

# Only the fast, process-free suites.
test-unit: bootstrap
	$(SWIFT) test $(SWIFT_FLAGS) --filter 'HALTests|HALSimTests|DriverTests|BoardSupportTests'

# Only the suites that start external peers.
test-integration: bootstrap
	$(SWIFT) test $(SWIFT_FLAGS) --filter 'ModbusInteropTests|HALLinuxTests'

# One or more HIL scenarios against the rig: make hil SCENARIO=Tests/Scenarios/agent-commands.yaml
SCENARIO ?= Tests/Scenarios/*.yaml
hil: build
	.build/debug/curb-rig run --junit .build/hil-junit.xml $(SCENARIO)

demo:
	@echo "make demo: the demo (rig + local broker + daemons) arrives with the first daemon (streetlightd)." >&2; exit 2

# Benchmarks (release build): figures as ratios against baselines measured in the same run.
bench: bootstrap
	$(SWIFT) build -c release $(SWIFT_FLAGS) --product curb-agent
	$(SWIFT) build -c release $(SWIFT_FLAGS) --product agent-bench
	.build/release/agent-bench

format:
	$(SWIFT) format format --in-place --recursive $(FORMAT_DIRS)

lint:
	$(SWIFT) format lint --strict --recursive $(FORMAT_DIRS)

# Every example configuration against the daemons' --check-config and the JSON Schema.
config-check: build
	Tools/config-check

clean:
	rm -rf .build
