# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# One benchmark mode (ours | upstream | sshL): bench_mode MODE DIR writes one JSON value per metric into
# DIR/<metric>.json, for report.py. Sourced by bench/run.sh after tests/e2e/lib/lab.sh.

# Start the tunnel of a mode in the client namespace. Sets BENCH_PID and where the targets are reached from
# the client (BENCH_HOST, BENCH_IPERF_PORT, BENCH_ECHO_PORT).
bench_start() {
    local mode=$1 name=$2
    case $mode in
        ours | upstream)
            local bin=$OURS_BIN
            [[ $mode == upstream ]] && bin=$UPSTREAM_BIN
            # sst_start adds -v; the bench wants the quiet default, so call lab_spawn directly.
            lab_spawn client "$LAB_TMP/$name.log" "$bin" -r "root@$SERVER_V4" -e "$LAB_SSH_CMD" \
                --method "$SSHUTTLE_METHOD" "$PRIVATE_V4"
            BENCH_HOST=$TARGET_V4 BENCH_IPERF_PORT=$IPERF_PORT BENCH_ECHO_PORT=$ECHO_PORT
            ;;
        sshL)
            lab_spawn client "$LAB_TMP/$name.log" ssh -F "$LAB_SSH_CONFIG" -N \
                -L "127.0.0.1:$FWD_IPERF:$TARGET_V4:$IPERF_PORT" -L "127.0.0.1:$FWD_ECHO:$TARGET_V4:$ECHO_PORT" \
                "root@$SERVER_V4"
            BENCH_HOST=127.0.0.1 BENCH_IPERF_PORT=$FWD_IPERF BENCH_ECHO_PORT=$FWD_ECHO
            ;;
        *) lab_fail "unknown bench mode '$mode' (ours, upstream, sshL)" ;;
    esac
    BENCH_PID=$LAB_LAST_PID
}

# Stop the tunnel: SIGINT for sshuttle (its normal exit), SIGTERM for ssh; bounded wait.
bench_stop() {
    local mode=$1 sig=INT
    [[ $mode == sshL ]] && sig=TERM
    kill -"$sig" "$BENCH_PID" 2>/dev/null || true
    sst_wait_exit 20 "$BENCH_PID"
    [[ $mode == sshL ]] || sst_wait_rules_gone client 20
}

# Seconds from starting the tunnel to the first byte echoed through it.
bench_time_to_first_byte() {
    local mode=$1 name=$2 t0 t1
    t0=$(date +%s.%N)
    bench_start "$mode" "$name"
    t1=$(lab_in client "$LAB_PY" "$BENCH_DIR/lib/first_byte.py" "$BENCH_HOST" "$BENCH_ECHO_PORT" 60) ||
        lab_fail "$mode: no byte came through the tunnel within 60s"
    "$LAB_PY" -c "print(round($t1 - $t0, 3))"
}

bench_iperf() {
    lab_in client iperf3 -c "$BENCH_HOST" -p "$BENCH_IPERF_PORT" -J "$@" | "$LAB_PY" "$BENCH_DIR/lib/iperf_summary.py"
}

bench_stats() { "$LAB_PY" "$BENCH_DIR/lib/proc_stats.py" "$BENCH_PID"; }

bench_mode() {
    local mode=$1 dir=$2
    # Cold start (ours uploads its server helper the first time), stop, then a warm start that stays up.
    bench_time_to_first_byte "$mode" "$mode-cold" >"$dir/ttfb_cold_s.json"
    bench_stop "$mode"
    bench_time_to_first_byte "$mode" "$mode" >"$dir/ttfb_warm_s.json"
    lab_log "$mode: first byte after $(cat "$dir/ttfb_cold_s.json") s cold, $(cat "$dir/ttfb_warm_s.json") s warm"

    bench_stats >"$dir/stats_before_bulk.json"
    bench_iperf -t "$BENCH_BULK_S" >"$dir/bulk_up.json"
    bench_iperf -t "$BENCH_BULK_S" -R >"$dir/bulk_down.json"
    bench_stats >"$dir/stats_after_bulk.json"
    lab_log "$mode: bulk up $(cat "$dir/bulk_up.json"), down $(cat "$dir/bulk_down.json")"

    lab_in client "$LAB_PY" "$BENCH_DIR/lib/rtt.py" "$BENCH_HOST" "$BENCH_ECHO_PORT" "$BENCH_RTT_S" >"$dir/rtt_idle.json"
    # Under load: a download saturates the tunnel; the first second of samples (ramp-up) is dropped.
    bench_iperf -t "$((BENCH_RTT_S + 2))" -R >"$dir/load_down.json" &
    local load_pid=$!
    lab_in client "$LAB_PY" "$BENCH_DIR/lib/rtt.py" "$BENCH_HOST" "$BENCH_ECHO_PORT" "$BENCH_RTT_S" 1 \
        >"$dir/rtt_load.json"
    wait "$load_pid" || true
    lab_log "$mode: rtt idle $(cat "$dir/rtt_idle.json"), under load $(cat "$dir/rtt_load.json")"

    local n
    for n in $BENCH_CONCURRENCY; do
        lab_in client "$LAB_PY" "$LAB_DIR_SRC/concurrency.py" "$BENCH_HOST" "$BENCH_ECHO_PORT" "$n" 1 "$BENCH_HANG_S" \
            >"$dir/concurrency_$n.json" || true
        lab_log "$mode: $n concurrent: $(cat "$dir/concurrency_$n.json")"
        sst_alive "$BENCH_PID" || lab_fail "$mode: the tunnel died during $n concurrent connections"
    done

    bench_stats >"$dir/stats_end.json"
    bench_stop "$mode"
}
