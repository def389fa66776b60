#!/usr/bin/env python3
"""crosswalkd's interlock reaction on real kernel GPIO: gpio-sim lines in the kernel-HIL VM (run by `make
bench-crosswalk-kernel`, which boots the VM with Tools/hil-vm and runs this inside it).

A car arrives at the stop line (gpio-sim `pull` of stopLine) while a pedestrian stands in the zone; crosswalkd,
on `hal: linux`, writes the warning sign through the GPIO character device; this script sees the sign's sysfs
`value` go to 1. Two figures per sample:
  * end to end — from the sysfs pull write to the sysfs value read back (this script's own polling included);
  * reaction_ms — what crosswalkd reports in `event/conflict`: the kernel's edge timestamp to its output write.
The floor, timed the same way in the same run: a C program on libgpiod (floor.c) copying a spare input to a spare
output with one blocking edge wait and one write. Ratios, never pass/fail. The VM is emulated (TCG, one vCPU), so
absolute figures are far above a board's; the ratio to the floor is the figure to compare.

Environment (Tools/hil-vm passes only CURBSIDE_* into the VM): CURBSIDE_BENCH_BIN (crosswalkd's directory, default
.build/release), CURBSIDE_BENCH_SAMPLES (200).
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BOARD = os.path.join(ROOT, "Boards/sim-kernel.yaml")
SAMPLES = int(os.environ.get("CURBSIDE_BENCH_SAMPLES", "200"))
BIN = os.environ.get("CURBSIDE_BENCH_BIN", os.path.join(ROOT, ".build/release"))
FLOOR = os.path.join(ROOT, ".build/crosswalk-kernel-floor")


def say(line):
    print(line, flush=True)


board = yaml.safe_load(open(BOARD))


def line_of(name):
    """(chip id, chip label, offset) of a board line or alias."""
    name = board["gpio"]["aliases"].get(name, name)
    entry = board["gpio"]["lines"][name]
    return entry["chip"], board["gpio"]["chips"][entry["chip"]]["label"], entry["line"]


def sysfs(name):
    """The gpio-sim sysfs directory of a line, from the configfs device that Tools/hil-vm made for its chip."""
    chip, _, offset = line_of(name)
    config = f"/sys/kernel/config/gpio-sim/{chip}"
    device = open(f"{config}/dev_name").read().strip()
    chip_name = open(f"{config}/bank0/chip_name").read().strip()
    return f"/sys/devices/platform/{device}/{chip_name}/sim_gpio{offset}"


def pull(name, high):
    with open(sysfs(name) + "/pull", "w") as f:
        f.write("pull-up" if high else "pull-down")


def wait_value(path, want, timeout_s=5.0):
    """Polls a sysfs value until it reads `want`; returns the monotonic time it did (ns)."""
    deadline = time.monotonic() + timeout_s
    with open(path) as f:
        while True:
            f.seek(0)
            if f.read(1) == want:
                return time.monotonic_ns()
            if time.monotonic() > deadline:
                raise SystemExit(f"{path} did not read {want} within {timeout_s} s")


def measure(input_name, output_name):
    out = sysfs(output_name) + "/value"
    figures = []
    for _ in range(SAMPLES):
        start = time.monotonic_ns()
        pull(input_name, True)
        figures.append(wait_value(out, "1") - start)
        pull(input_name, False)
        wait_value(out, "0")
        time.sleep(0.02)
    return figures


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(-(-len(ordered) * fraction // 1)) - 1))]


def summary(values_ms):
    if not values_ms:
        return "no figures"
    return (f"p50 {percentile(values_ms, 0.5):.2f} ms  p99 {percentile(values_ms, 0.99):.2f} ms  "
            f"max {max(values_ms):.2f} ms  (n={len(values_ms)})")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    for tool in ("mosquitto", "mosquitto_sub"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} not found (Tools/bootstrap installs it)")
    for path in (f"{BIN}/crosswalkd", FLOOR):
        if not os.access(path, os.X_OK):
            raise SystemExit(f"{path} not built (make bench-crosswalk-kernel builds it)")
    work = tempfile.mkdtemp(prefix="curb-xing-kernel-")
    port = free_port()
    with open(f"{work}/mosquitto.conf", "w") as f:
        f.write(f"listener {port} 127.0.0.1\nallow_anonymous true\nuser root\npersistence false\nlog_dest none\n")
    procs = []
    try:
        procs.append(subprocess.Popen(["mosquitto", "-c", f"{work}/mosquitto.conf"], stderr=subprocess.DEVNULL))
        time.sleep(0.5)
        base = "curb/v1/bench/crosswalk/kernel-xing"
        config = {
            "identity": {"site": "bench", "kind": "crosswalk", "device": "kernel-xing"},
            "mqtt": {"url": f"mqtt://127.0.0.1:{port}"},
            "board": BOARD,
            "hal": {"backend": "linux"},
            "state_dir": f"{work}/state",
            "device": {
                "hardware": {
                    "zones": [{"presence": "pedDetector"}], "buttons": [{"line": "walkButton"}],
                    "stop_line": "stopLine", "walk_phase": "walkSignal", "beacon_left": "beacon",
                    "beacon_right": "beaconRight", "in_road_markers": "inRoadLeds", "warning_sign": "warningSign",
                    "safety_bar": "safetyBar", "audio_guide": "audioGuide",
                    # TCG emulation on a shared machine pauses the guest for longer than a board would.
                    "stall_limit_ms": 5000,
                },
                "clearance_s": 3, "stuck_after_s": 3600, "telemetry_interval_s": 1,
            },
        }
        with open(f"{work}/crosswalkd.yaml", "w") as f:
            json.dump(config, f)  # JSON is YAML
        events = open(f"{work}/events.txt", "w")
        procs.append(subprocess.Popen(["mosquitto_sub", "-p", str(port), "-t", f"{base}/event/conflict"],
                                      stdout=events))
        daemon_log = open(f"{work}/crosswalkd.log", "w")
        procs.append(subprocess.Popen([f"{BIN}/crosswalkd", "--config", f"{work}/crosswalkd.yaml"],
                                      stdout=daemon_log, stderr=subprocess.STDOUT))
        # Idle once the daemon has left its safe state (sign on) for idle (sign off).
        wait_value(sysfs("warningSign") + "/value", "0", timeout_s=60)
        pull("pedDetector", True)
        wait_value(sysfs("inRoadLeds") + "/value", "1", timeout_s=10)
        time.sleep(1)

        chip_id, label, floor_in = line_of("SIM_B1_8")
        _, _, floor_out = line_of("SIM_B1_9")
        procs.append(subprocess.Popen([FLOOR, label, str(floor_in), str(floor_out)]))
        time.sleep(1)

        say(f"crosswalkd interlock reaction on gpio-sim in the kernel-HIL VM ({SAMPLES} samples, {BIN}):")
        daemon = [ns / 1e6 for ns in measure("stopLine", "warningSign")]
        floor = [ns / 1e6 for ns in measure("SIM_B1_8", "SIM_B1_9")]
        time.sleep(3)  # the last events through the daemon's outbox
        events.flush()
        reported = []
        for text in open(f"{work}/events.txt"):
            try:
                document = json.loads(text)
            except ValueError:
                continue
            if document.get("state") == "conflict" and "reaction_ms" in document:
                reported.append(float(document["reaction_ms"]))
        say(f"  crosswalkd  stop line → warning sign (sysfs pull → sysfs value)  {summary(daemon)}")
        say(f"  floor       C libgpiod input → output copy, same path          {summary(floor)}")
        say(f"  ratio p50 {percentile(daemon, 0.5) / percentile(floor, 0.5):.1f}×, "
            f"p99 {percentile(daemon, 0.99) / percentile(floor, 0.99):.1f}×")
        say(f"  reaction_ms in event/conflict (kernel edge timestamp → output write): {summary(reported)}")
        if not reported:
            say(open(f"{work}/crosswalkd.log").read()[-2000:])
            return 1
        return 0
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        pull("pedDetector", False)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
