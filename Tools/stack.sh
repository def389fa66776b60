# Sourced by Tools/demo and Benchmarks/daemon-footprint: starts the embedded default on one machine — a mosquitto on
# a free loopback port, the streetlight and vibration rigs, and streetlightd and vibrationd configured from their
# examples with the broker, rig sockets and state directories of this run.
#   needs: BIN (built products), RUN (a scratch directory), the array pids (every started process is appended)
#   honours: PORT (default: a free port), ENVIRONMENT_INTERVAL_S (streetlightd), VIBRATION_ODR (vibrationd)
#   sets: port, broker_pid, rig_streetlight_pid, rig_vibration_pid, streetlightd_pid, vibrationd_pid

stack_start() {
    port="${PORT:-$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])")}"
    printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stdout\nset_tcp_nodelay true\n' \
        "$port" > "$RUN/mosquitto.conf"
    # Run as root, mosquitto would drop to the 'mosquitto' user; keep it as who started it.
    if [ "$(id -u)" = 0 ]; then echo "user root" >> "$RUN/mosquitto.conf"; fi
    mosquitto -c "$RUN/mosquitto.conf" > "$RUN/mosquitto.log" 2>&1 & broker_pid=$!; pids+=("$broker_pid")

    local rig
    for rig in streetlight vibration; do
        "$BIN/curb-rig" serve --rig "Firmware-config/rigs/$rig.yaml" --socket "$RUN/rig-$rig.sock" \
            > "$RUN/rig-$rig.log" 2>&1 &
        pids+=($!)
        eval "rig_${rig}_pid=$!"
    done
    for rig in streetlight vibration; do
        for _ in $(seq 100); do [ -S "$RUN/rig-$rig.sock" ] && break; sleep 0.1; done
        [ -S "$RUN/rig-$rig.sock" ] || { cat "$RUN/rig-$rig.log"; echo "the $rig rig did not start" >&2; return 1; }
    done

    local common=(-e "s|mqtt://127.0.0.1:1883|mqtt://127.0.0.1:$port|" -e "s|board: ../../Boards|board: $PWD/Boards|")
    sed "${common[@]}" -e "s|/tmp/curb-rig/rig.sock|$RUN/rig-streetlight.sock|" \
        -e "s|/var/lib/curbside/streetlightd|$RUN/streetlightd|" \
        -e "s|interval_s: 60|interval_s: ${ENVIRONMENT_INTERVAL_S:-60}|" \
        Firmware-config/examples/streetlightd.yaml > "$RUN/streetlightd.yaml"
    sed "${common[@]}" -e "s|/tmp/curb-rig/rig-vibration.sock|$RUN/rig-vibration.sock|" \
        -e "s|/var/lib/curbside/vibrationd|$RUN/vibrationd|" -e "s|odr_hz: 500|odr_hz: ${VIBRATION_ODR:-500}|" \
        Firmware-config/examples/vibrationd.yaml > "$RUN/vibrationd.yaml"
    "$BIN/streetlightd" --config "$RUN/streetlightd.yaml" > "$RUN/streetlightd.log" 2>&1 &
    streetlightd_pid=$!; pids+=("$streetlightd_pid")
    "$BIN/vibrationd" --config "$RUN/vibrationd.yaml" > "$RUN/vibrationd.log" 2>&1 &
    vibrationd_pid=$!; pids+=("$vibrationd_pid")
}
