# Sourced by Tools/demo and Benchmarks/daemon-footprint: starts the embedded default on one machine — a mosquitto on
# a free loopback port and, for every row of Tools/daemons with a rig, that rig and its daemon configured from its
# example with the broker, rig socket and state directory of this run.
#   needs: BIN (built products), RUN (a scratch directory), the array pids (every started process is appended)
#   honours: PORT (default: a free port), STACK_ONLY (daemon names: start only those rows), and the VAR=key
#            overrides of Tools/daemons
#   sets: port, broker_pid, stack_daemons (the daemons started, in table order), and the associative arrays
#         daemon_pid[daemon], rig_pid[daemon]

# Rows of Tools/daemons without comments: "daemon rig overrides…".
daemon_rows() {
    grep -v '^[[:space:]]*\(#\|$\)' Tools/daemons |
        awk -v only=" ${STACK_ONLY:-} " 'only == "  " || index(only, " " $1 " ")'
}

stack_start() {
    port="${PORT:-$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])")}"
    printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stdout\nset_tcp_nodelay true\n' \
        "$port" > "$RUN/mosquitto.conf"
    # Run as root, mosquitto would drop to the 'mosquitto' user; keep it as who started it.
    if [ "$(id -u)" = 0 ]; then echo "user root" >> "$RUN/mosquitto.conf"; fi
    mosquitto -c "$RUN/mosquitto.conf" > "$RUN/mosquitto.log" 2>&1 & broker_pid=$!; pids+=("$broker_pid")

    declare -gA daemon_pid=() rig_pid=()
    stack_daemons=()
    local daemon rig overrides
    while read -r daemon rig overrides; do
        [ "$rig" = - ] && continue
        stack_daemons+=("$daemon")
        "$BIN/curb-rig" serve --rig "Firmware-config/rigs/$rig.yaml" --socket "$RUN/rig-$daemon.sock" \
            > "$RUN/rig-$daemon.log" 2>&1 &
        pids+=($!); rig_pid[$daemon]=$!
    done < <(daemon_rows)
    for daemon in "${stack_daemons[@]}"; do
        for _ in $(seq 100); do [ -S "$RUN/rig-$daemon.sock" ] && break; sleep 0.1; done
        [ -S "$RUN/rig-$daemon.sock" ] || { cat "$RUN/rig-$daemon.log"; echo "the $daemon rig did not start" >&2; return 1; }
    done

    local edits override var key
    while read -r daemon rig overrides; do
        [ "$rig" = - ] && continue
        edits=(-e "s|mqtt://127.0.0.1:1883|mqtt://127.0.0.1:$port|" -e "s|board: ../../Boards|board: $PWD/Boards|"
            -e "s|map: ../modbus/|map: $PWD/Firmware-config/modbus/|"
            -e "s|rig_socket: .*|rig_socket: $RUN/rig-$daemon.sock|" -e "s|state_dir: .*|state_dir: $RUN/$daemon|")
        for override in $overrides; do
            var="${override%%=*}" key="${override#*=}"
            [ -n "${!var:-}" ] && edits+=(-e "s|\b$key: [0-9.]*\$|$key: ${!var}|")
        done
        sed "${edits[@]}" "Firmware-config/examples/$daemon.yaml" > "$RUN/$daemon.yaml"
        "$BIN/$daemon" --config "$RUN/$daemon.yaml" > "$RUN/$daemon.log" 2>&1 &
        pids+=($!); daemon_pid[$daemon]=$!
    done < <(daemon_rows)
}
