# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# One benchmark mode: bench_mode MODE DIR writes one JSON value per metric into DIR/<metric>.json, for report.py.
# Sourced by bench/run.sh after tests/e2e/lib/lab.sh; uses run.sh's settings (BENCH_*, FWD_*, RELAY_*).

# The ssh command line of a mode (ours-libssh2 has none: it reads the same ssh_config itself).
bench_ssh_cmd() {
    case $1 in
        # What libssh2 1.10 negotiates, so that the two transports can be compared on equal crypto.
        ours-ctr | sshL-ctr) echo "$LAB_SSH_CMD -c aes128-ctr -m hmac-sha2-256" ;;
        # What our ssh command transport asks for on a CPU with AES instructions (fast_cipher.hpp).
        sshL-gcm) echo "$LAB_SSH_CMD -c aes128-gcm@openssh.com" ;;
        # ssh's connection made by ssh-connect as in ours, without its TCP_NOTSENT_LOWAT: a ProxyCommand of the
        # configuration's own (a copy of the lab's config with it first), which ours leaves alone.
        ours-nolowat)
            local config
            config="$LAB_TMP/nolowat.$(basename "$LAB_SSH_CONFIG")"
            { echo "ProxyUseFdpass yes"
              echo "ProxyCommand $OURS_BIN ssh-connect --notsent-lowat 0 %h %p"
              cat "$LAB_SSH_CONFIG"; } >"$config"
            echo "ssh -F $config" ;;
        *) echo "$LAB_SSH_CMD" ;;
    esac
}

# Start the tunnel of a mode in the client namespace: bench_start MODE LOG-NAME [EXTRA-ARG...] (extra arguments
# go to our client, e.g. -v). Sets BENCH_PID and where the targets are reached from the client (BENCH_HOST,
# BENCH_IPERF_PORT, BENCH_ECHO_PORT). Through the long link when LAB_SSH_CONFIG / LAB_SSH_CMD name the relay.
bench_start() {
    local mode=$1 name=$2 ours_extra=() option
    shift 2
    for option in ${BENCH_OURS_OPTIONS:-}; do ours_extra+=("$option"); done
    BENCH_HOST=$TARGET_V4 BENCH_IPERF_PORT=$IPERF_PORT BENCH_ECHO_PORT=$ECHO_PORT
    case $mode in
        ours | ours-ctr | ours-mux | ours-nolowat)
            # ours-mux: every TCP connection through our server, none as ssh's own forward (the path of any
            # connection ssh does not forward).
            [[ $mode == ours-mux ]] && ours_extra+=(--no-ssh-forwarding)
            # No -v: the bench wants the quiet default (sst_start would add -v).
            lab_spawn client "$LAB_TMP/$name.log" "$OURS_BIN" -r "root@$SERVER_V4" -e "$(bench_ssh_cmd "$mode")" \
                --method "$SSHUTTLE_METHOD" "${ours_extra[@]}" "$@" "$PRIVATE_V4"
            ;;
        ours-libssh2)
            # The same client without -e: it speaks SSH itself (sshuttle-transport-ssh.so), same ssh_config.
            for option in ${BENCH_SSH2_OPTIONS:-}; do ours_extra+=(--transport-option "$option"); done
            lab_spawn client "$LAB_TMP/$name.log" "$OURS_BIN" -r "root@$SERVER_V4" \
                --transport-option "ssh-config=$LAB_SSH_CONFIG" --method "$SSHUTTLE_METHOD" "${ours_extra[@]}" \
                "$@" "$PRIVATE_V4"
            ;;
        upstream)
            lab_spawn client "$LAB_TMP/$name.log" "$UPSTREAM_BIN" -r "root@$SERVER_V4" -e "$LAB_SSH_CMD" \
                --method "$SSHUTTLE_METHOD" "$PRIVATE_V4"
            ;;
        sshL | sshL-gcm | sshL-ctr)
            # shellcheck disable=SC2046  # the command is words
            lab_spawn client "$LAB_TMP/$name.log" $(bench_ssh_cmd "$mode") -N \
                -L "127.0.0.1:$FWD_IPERF:$TARGET_V4:$IPERF_PORT" -L "127.0.0.1:$FWD_ECHO:$TARGET_V4:$ECHO_PORT" \
                "root@$SERVER_V4"
            BENCH_HOST=127.0.0.1 BENCH_IPERF_PORT=$FWD_IPERF BENCH_ECHO_PORT=$FWD_ECHO
            ;;
        *) lab_fail "unknown bench mode '$mode' (ours, ours-libssh2, ours-ctr, ours-mux, ours-nolowat, upstream," \
            "sshL, sshL-gcm, sshL-ctr)" ;;
    esac
    BENCH_PID=$LAB_LAST_PID
}

# Stop the tunnel: SIGINT for sshuttle (its normal exit), SIGTERM for ssh; bounded wait.
bench_stop() {
    local mode=$1 sig=INT
    [[ $mode == sshL* ]] && sig=TERM
    kill -"$sig" "$BENCH_PID" 2>/dev/null || true
    sst_wait_exit 20 "$BENCH_PID"
    [[ $mode == sshL* ]] || sst_wait_rules_gone client 20
}

# Seconds from starting the tunnel to the first byte echoed through it: bench_time_to_first_byte MODE NAME [ARG...]
bench_time_to_first_byte() {
    local mode=$1 name=$2 t0 t1
    shift 2
    t0=$(date +%s.%N)
    bench_start "$mode" "$name" "$@"
    t1=$(lab_in client "$LAB_PY" "$BENCH_DIR/lib/first_byte.py" "$BENCH_HOST" "$BENCH_ECHO_PORT" 60) ||
        lab_fail "$mode: no byte came through the tunnel within 60s"
    "$LAB_PY" -c "print(round($t1 - $t0, 3))"
}

# Seconds of `ssh host true` with the mode's ssh command, the floor of any tool that runs a remote command.
bench_ssh_true() {
    local t0 t1
    t0=$(date +%s.%N)
    # shellcheck disable=SC2046  # the command is words
    lab_in client $(bench_ssh_cmd "$1") "root@$SERVER_V4" true || lab_fail "ssh root@$SERVER_V4 true failed"
    t1=$(date +%s.%N)
    "$LAB_PY" -c "print(round($t1 - $t0, 3))"
}

# The cipher a mode's SSH connection negotiated, as a JSON string: from `ssh -v` with the mode's ssh command
# (for ours with the -c it added, as the -v log of its cold start, LOG, says), or for ours-libssh2 from
# that log's cipher line.
bench_cipher() {
    local mode=$1 log=$2 line asked=()
    if [[ $mode == ours-libssh2 ]]; then
        line=$(grep -m1 -o 'cipher [^ ]*' "$log" || true)
        line=${line#cipher }
    else
        # Its list starts with aes128-gcm, which every OpenSSH server takes.
        [[ $mode == ours* ]] && grep -q "ssh is asked to prefer AES-GCM" "$log" && asked=(-c aes128-gcm@openssh.com)
        # shellcheck disable=SC2046
        line=$(lab_in client $(bench_ssh_cmd "$mode") "${asked[@]}" -v "root@$SERVER_V4" true 2>&1 |
            sed -n 's/.*kex: server->client cipher: \([^ ]*\) MAC: \([^ ]*\).*/\1 MAC \2/p' | head -1)
    fi
    printf '"%s"\n' "${line:-unknown}"
}

# One number per line in FILE -> NAME.json (their median, what the report reads) and NAME_samples.json (all).
bench_samples_json() {
    "$LAB_PY" - "$1" "$2" <<'PY'
import json, statistics, sys
values = [float(line) for line in open(sys.argv[1]) if line.strip()]
json.dump(values, open(sys.argv[2] + "_samples.json", "w"))
json.dump(round(statistics.median(values), 3) if values else None, open(sys.argv[2] + ".json", "w"))
PY
    rm -f "$1"
}

bench_iperf() {
    lab_in client iperf3 -c "$BENCH_HOST" -p "$BENCH_IPERF_PORT" -J "$@" | "$LAB_PY" "$BENCH_DIR/lib/iperf_summary.py"
}

bench_machine_cpu() { "$LAB_PY" "$BENCH_DIR/lib/machine_cpu.py"; }

# CPU time of every process in the lab's namespaces (a cross-check of the whole machine's, which other users of
# the machine inflate).
bench_lab_cpu() {
    # shellcheck disable=SC2046
    "$LAB_PY" "$BENCH_DIR/lib/lab_cpu.py" $(for r in c s t; do ip netns pids "sst-$r-$LAB_ID"; done)
}

# bench_bulk NAME IPERF-ARG...: one transfer, with the whole machine's and the lab's CPU before and after it.
bench_bulk() {
    local name=$1
    shift
    bench_lab_cpu >"$dir/lab_cpu_before_$name.json"
    bench_machine_cpu >"$dir/cpu_before_$name.json"
    bench_iperf "$@" >"$dir/$name.json" || true
    bench_machine_cpu >"$dir/cpu_after_$name.json"
    bench_lab_cpu >"$dir/lab_cpu_after_$name.json"
}

# bench_under_load NAME SECONDS IPERF-ARG...: echo RTT while an iperf3 transfer runs; the transfer starts a
# second early and that first second of samples (ramp-up) is dropped.
bench_under_load() {
    local name=$1 seconds=$2 load_pid
    shift 2
    bench_iperf -t "$((seconds + 1))" "$@" >"$dir/load_$name.json" &
    load_pid=$!
    lab_in client "$LAB_PY" "$BENCH_DIR/lib/rtt.py" "$BENCH_HOST" "$BENCH_ECHO_PORT" "$seconds" 1 \
        >"$dir/rtt_load_$name.json" || true
    wait "$load_pid" || true
}

# Processes of the tunnel on the server side: everything in the server namespace but sshd's listener and the
# relay (so sshd's session processes count: ssh -L has no other server).
bench_server_pids() {
    local pid
    for pid in $(ip netns pids "sst-s-$LAB_ID"); do
        [[ $pid == "$LAB_SSHD_PID" || $pid == "$RELAY_PID" ]] || echo "$pid"
    done
}

# shellcheck disable=SC2046  # pid lists are words
bench_rss() {
    "$LAB_PY" "$BENCH_DIR/lib/rss.py" "$BENCH_PID" >"$dir/rss_client_$1.json"
    "$LAB_PY" "$BENCH_DIR/lib/rss.py" $(sst_pid_tree "$BENCH_PID") >"$dir/rss_client_tree_$1.json"
    "$LAB_PY" "$BENCH_DIR/lib/rss.py" $(bench_server_pids) >"$dir/rss_server_$1.json"
}

# N connections open at once, one round trip each, then held idle while the memory is measured.
bench_scale() {
    local n=$BENCH_CONCURRENCY ready="$LAB_TMP/idle_ready" pid deadline
    bench_rss before_idle
    rm -f "$ready"
    lab_in client "$LAB_PY" "$BENCH_DIR/lib/idle_conns.py" "$BENCH_HOST" "$BENCH_ECHO_PORT" "$n" "$ready" \
        "$BENCH_HANG_S" >"$dir/scale.json" &
    pid=$!
    deadline=$((SECONDS + 3 * BENCH_HANG_S + 60))
    while [[ ! -s $ready ]] && kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
    bench_rss with_idle
    # The ready file names the Python process ($pid is the shell that runs lab_in).
    [[ -s $ready ]] && kill -USR1 "$(cat "$ready")" 2>/dev/null
    wait "$pid" || true
    lab_log "$mode: $n concurrent: $(cat "$dir/scale.json")"
    sst_alive "$BENCH_PID" || lab_fail "$mode: the tunnel died during $n concurrent connections"
    bench_rss end
}

# CPU seconds of the relay so far (to show it is not the bottleneck of the long link).
bench_relay_cpu() { awk '{printf "%.2f\n", ($14 + $15) / '"$(getconf CLK_TCK)"'}' "/proc/$RELAY_PID/stat"; }

# bench_long NAME IPERF-ARG...: a transfer over the long link with echo RTT alongside, and the relay's CPU.
bench_long() {
    local name=$1 before after
    shift
    before=$(bench_relay_cpu)
    # -O 1: the first second (the windows opening at this RTT) is not counted.
    bench_under_load "long_$name" "$BENCH_LONG_S" -O 1 "$@"
    after=$(bench_relay_cpu)
    "$LAB_PY" -c "print(round(($after - $before) / ($BENCH_LONG_S + 2), 3))" >"$dir/relay_cpu_long_$name.json"
}

bench_mode() {
    local mode=$1 dir=$2
    # Start: a cold start (ours uploads its server helper the first time; -v for the cipher our modes chose),
    # stop, then BENCH_START_SAMPLES pairs of ssh's own floor (`ssh host true`) and a warm start. Each is one
    # figure of a few tenths of a second on a noisy machine, so the round reports the median of its samples;
    # the pairs alternate so that a slow spell hits both. The last warm start stays up.
    local verbose=() sample
    [[ $mode == ours* ]] && verbose=(-v)
    bench_time_to_first_byte "$mode" "$mode-cold" "${verbose[@]}" >"$dir/ttfb_cold_s.json"
    bench_cipher "$mode" "$LAB_TMP/$mode-cold.log" >"$dir/cipher.json"
    bench_stop "$mode"
    : >"$dir/ssh_true_samples" && : >"$dir/ttfb_warm_samples"
    for sample in $(seq 1 "$BENCH_START_SAMPLES"); do
        bench_ssh_true "$mode" >>"$dir/ssh_true_samples"
        bench_time_to_first_byte "$mode" "$mode" >>"$dir/ttfb_warm_samples"
        ((sample == BENCH_START_SAMPLES)) || bench_stop "$mode"
    done
    bench_samples_json "$dir/ssh_true_samples" "$dir/ssh_true_s"
    bench_samples_json "$dir/ttfb_warm_samples" "$dir/ttfb_warm_s"
    lab_log "$mode: ssh true $(cat "$dir/ssh_true_s.json") s; first byte $(cat "$dir/ttfb_cold_s.json") s cold," \
        "$(cat "$dir/ttfb_warm_s.json") s warm; cipher $(cat "$dir/cipher.json")"

    # What the rest of the machine burns meanwhile (other users' builds), to subtract from the CPU per GB.
    bench_machine_cpu >"$dir/cpu_before_background.json"
    sleep 1
    bench_machine_cpu >"$dir/cpu_after_background.json"
    bench_bulk bulk_up -t "$BENCH_BULK_S"
    bench_bulk bulk_down -t "$BENCH_BULK_S" -R
    lab_log "$mode: bulk up $(cat "$dir/bulk_up.json"), down $(cat "$dir/bulk_down.json")"

    lab_in client "$LAB_PY" "$BENCH_DIR/lib/rtt.py" "$BENCH_HOST" "$BENCH_ECHO_PORT" 2 >"$dir/rtt_idle.json" || true
    bench_under_load up "$BENCH_RTT_S"
    bench_under_load down "$BENCH_RTT_S" -R
    bench_under_load down8 "$BENCH_RTT_S" -R -P 8
    lab_log "$mode: p99 under load up/down/8 down $(cd "$dir" && "$LAB_PY" -c 'import json
print(" / ".join(str(json.load(open("rtt_load_%s.json" % k)).get("p99_ms")) for k in ("up", "down", "down8")))' \
        2>/dev/null) ms"

    # The scale test is slow where connections fail (the hang guard), and steadier than the rest: first rounds only.
    ((round > BENCH_SCALE_ROUNDS)) || bench_scale
    bench_stop "$mode"

    # The long link: the same tunnel through the delay relay in front of sshd.
    local LAB_SSH_CONFIG=$RELAY_SSH_CONFIG LAB_SSH_CMD="ssh -F $RELAY_SSH_CONFIG"
    bench_start "$mode" "$mode-long"
    lab_in client "$LAB_PY" "$BENCH_DIR/lib/first_byte.py" "$BENCH_HOST" "$BENCH_ECHO_PORT" 60 >/dev/null ||
        lab_fail "$mode: no tunnel through the delay relay within 60s"
    lab_in client "$LAB_PY" "$BENCH_DIR/lib/rtt.py" "$BENCH_HOST" "$BENCH_ECHO_PORT" 1 >"$dir/rtt_long_idle.json" ||
        true
    bench_long up1
    bench_long down1 -R
    bench_long up8 -P 8
    bench_long down8 -R -P 8
    lab_log "$mode: long link ($((2 * BENCH_DELAY_MS)) ms RTT) 1 stream up/down, 8 streams up/down:" \
        "$(cd "$dir" && "$LAB_PY" -c 'import json
print(" / ".join("%.0f" % (json.load(open("load_long_%s.json" % k)).get("bps", 0) / 1e6) for k in ("up1", "down1", "up8", "down8")))' \
        2>/dev/null) Mbit/s"
    bench_stop "$mode"
}
