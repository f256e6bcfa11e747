#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck disable=SC2034  # variables used by lib/measure.sh
# Benchmark: our sshuttle (with the OpenSSH command transport, and with the built-in libssh2 transport), upstream
# sshuttle and `ssh -L`, one after another over the same namespace lab
# (tests/e2e/lib/lab.sh) and the same ssh binary and sshd. Per mode: time to first proxied byte, iperf3 bulk up
# and down, echo RTT p50/p99 idle and under a saturating download, 1000 and 10000 concurrent connections, client
# CPU seconds per GB and peak RSS. Prints a table with ratios, writes bench/results/<UTC time>.json.
# Needs root. Not part of CI.
#
# Environment: BENCH_MODES (default "ours ours-libssh2 upstream sshL"; also ours-ctr, see bench_start below),
# BENCH_ROUNDS (1; with more, every metric is the median over the rounds), BENCH_BULK_S (5), BENCH_RTT_S (4),
# BENCH_CONCURRENCY ("1000 10000"), BENCH_HANG_S (180), SSHUTTLE_BIN (ours; default the build tree),
# UPSTREAM_BIN (/usr/bin/sshuttle), BENCH_SSH2_OPTIONS (KEY=VALUE words passed to the libssh2 transport with
# --transport-option, e.g. "window-bytes=4194304").
set -euo pipefail
BENCH_DIR="$(cd "$(dirname "$0")" && pwd)"
source "$BENCH_DIR/../tests/e2e/lib/lab.sh"

BENCH_MODES=${BENCH_MODES:-"ours ours-libssh2 upstream sshL"}
BENCH_BULK_S=${BENCH_BULK_S:-5}
BENCH_RTT_S=${BENCH_RTT_S:-4}
BENCH_CONCURRENCY=${BENCH_CONCURRENCY:-"1000 10000"}
BENCH_ROUNDS=${BENCH_ROUNDS:-1}
BENCH_HANG_S=${BENCH_HANG_S:-180}  # concurrency runs give up on connections unanswered after this
UPSTREAM_BIN=${UPSTREAM_BIN:-/usr/bin/sshuttle}
OURS_BIN=$SSHUTTLE_BIN
# Local ports of the ssh -L forwards (in the client namespace).
FWD_IPERF=15201 FWD_ECHO=17000

source "$BENCH_DIR/lib/measure.sh"

# Mode ours-libssh2: the same client without -e, so it speaks SSH itself through sshuttle-transport-ssh.so,
# reading the same ssh_config as the other modes. Mode ours-ctr: the command transport with ssh held to the
# algorithms libssh2 1.10 negotiates (aes128-ctr, hmac-sha2-256) instead of OpenSSH's chacha20-poly1305: the
# libssh2 transport against ssh on equal crypto. Every other mode is measure.sh's own bench_start.
eval "$(declare -f bench_start | sed '1s/^bench_start/bench_start_measure/')"
bench_start() {
    if [[ $1 == ours-ctr ]]; then
        LAB_SSH_CMD="$LAB_SSH_CMD -c aes128-ctr -m hmac-sha2-256" bench_start_measure ours "$2"
        return
    fi
    if [[ $1 != ours-libssh2 ]]; then
        bench_start_measure "$@"
        return
    fi
    local extra=() option
    for option in ${BENCH_SSH2_OPTIONS:-}; do extra+=(--transport-option "$option"); done
    lab_spawn client "$LAB_TMP/$2.log" "$OURS_BIN" -r "root@$SERVER_V4" \
        --transport-option "ssh-config=$LAB_SSH_CONFIG" "${extra[@]}" --method "$SSHUTTLE_METHOD" "$PRIVATE_V4"
    BENCH_HOST=$TARGET_V4 BENCH_IPERF_PORT=$IPERF_PORT BENCH_ECHO_PORT=$ECHO_PORT
    BENCH_PID=$LAB_LAST_PID
}

LAB_FIXTURE_MB=0
lab_setup
RESULTS="$LAB_TMP/results"
mkdir -p "$RESULTS" "$BENCH_DIR/results"

# Rounds take the modes in turn, so a slow spell of the machine hits every mode alike; the report takes medians.
for round in $(seq 1 "$BENCH_ROUNDS"); do
    for mode in $BENCH_MODES; do
        lab_log "=== $mode (round $round of $BENCH_ROUNDS) ==="
        dir="$RESULTS/$mode/round$round"
        mkdir -p "$dir"
        # A failed mode leaves what it measured so far; the table shows the rest as missing.
        (bench_mode "$mode" "$dir") || lab_log "mode $mode failed (status $?)"
    done
done

out="$BENCH_DIR/results/$(date -u +%Y%m%dT%H%M%SZ).json"
"$LAB_PY" "$BENCH_DIR/lib/report.py" "$out" "$RESULTS"
lab_log "results written to $out"
