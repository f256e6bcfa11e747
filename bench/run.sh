#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck disable=SC2034  # variables used by lib/measure.sh
# Benchmark: our sshuttle (with the OpenSSH command transport, and with the built-in libssh2 transport), upstream
# sshuttle and `ssh -L`, one after another over the same namespace lab (tests/e2e/lib/lab.sh), the same ssh
# binary and sshd. Per mode: start to first proxied byte against `ssh host true`; bulk up and down with the whole
# machine's CPU per GB; echo RTT p99 under an upload, a download and 8 downloads; N concurrent connections held
# idle (failures, memory per connection, peak RSS); and over a long link (a delay relay in front of sshd),
# 1 and 8 streams up and down. Prints a table with ratios, writes bench/results/<UTC time>.json and a .png.
# Needs root. Not part of CI. See bench/README.md for how each figure is measured.
#
# Environment: BENCH_MODES (default "ours ours-libssh2 upstream sshL sshL-gcm sshL-ctr"; also ours-ctr, ours-mux,
# ours-nolowat), BENCH_ROUNDS (3; every metric is the median over the rounds, with its spread), BENCH_BULK_S (4),
# BENCH_RTT_S (3), BENCH_LONG_S (4), BENCH_DELAY_MS (25: each way, so 50 ms RTT), BENCH_CONCURRENCY (25000),
# BENCH_HANG_S (30: the concurrent connections give up on an answer after this), BENCH_SCALE_ROUNDS (1: the
# concurrency test runs in this many first rounds), BENCH_START_SAMPLES (3: pairs of `ssh host true` and a warm
# start per round), SSHUTTLE_BIN (ours; default the build tree), UPSTREAM_BIN
# (/usr/bin/sshuttle), BENCH_OURS_OPTIONS (words added to both our modes' command line, e.g. "--max-channels 4"),
# BENCH_SSH2_OPTIONS (KEY=VALUE words passed to the libssh2 transport with --transport-option),
# BENCH_RELAY_BIN (default <build>/bin/sshuttle-bench-delay-relay).
set -euo pipefail
BENCH_DIR="$(cd "$(dirname "$0")" && pwd)"
source "$BENCH_DIR/../tests/e2e/lib/lab.sh"

BENCH_MODES=${BENCH_MODES:-"ours ours-libssh2 upstream sshL sshL-gcm sshL-ctr"}
BENCH_ROUNDS=${BENCH_ROUNDS:-3}
BENCH_BULK_S=${BENCH_BULK_S:-4}
BENCH_RTT_S=${BENCH_RTT_S:-3}
BENCH_LONG_S=${BENCH_LONG_S:-4}
BENCH_DELAY_MS=${BENCH_DELAY_MS:-25}
BENCH_CONCURRENCY=${BENCH_CONCURRENCY:-25000}
BENCH_HANG_S=${BENCH_HANG_S:-30}
BENCH_SCALE_ROUNDS=${BENCH_SCALE_ROUNDS:-1}
BENCH_START_SAMPLES=${BENCH_START_SAMPLES:-3}
UPSTREAM_BIN=${UPSTREAM_BIN:-/usr/bin/sshuttle}
RELAY_BIN=${BENCH_RELAY_BIN:-$SSHUTTLE_BUILD_DIR/bin/sshuttle-bench-delay-relay}
OURS_BIN=$SSHUTTLE_BIN
# Local ports of the ssh -L forwards (in the client namespace); the relay's port in the server namespace.
FWD_IPERF=15201 FWD_ECHO=17000 RELAY_PORT=2222

[[ $BENCH_CONCURRENCY =~ ^[0-9]+$ ]] || lab_fail "BENCH_CONCURRENCY '$BENCH_CONCURRENCY' is not a number"
[[ $BENCH_DELAY_MS =~ ^[0-9]+$ ]] || lab_fail "BENCH_DELAY_MS '$BENCH_DELAY_MS' is not a number"
[[ $BENCH_START_SAMPLES =~ ^[1-9][0-9]*$ ]] || lab_fail "BENCH_START_SAMPLES '$BENCH_START_SAMPLES' is not a positive number"

source "$BENCH_DIR/lib/measure.sh"

# Room for N concurrent connections: the client, our server, the echo server and the load generator each hold N
# sockets, and inherit this shell's fd limit (lab_setup raises the soft limit to the hard one). Raising the hard
# limit needs CAP_SYS_RESOURCE; without it N is capped to what fits, and the report says so.
BENCH_CONCURRENCY_ASKED=$BENCH_CONCURRENCY
fd_limit=$((BENCH_CONCURRENCY + 1024))
if (($(ulimit -Hn) < fd_limit)) && ! ulimit -Hn "$fd_limit" 2>/dev/null; then
    BENCH_CONCURRENCY=$(($(ulimit -Hn) - 1024))
    lab_log "WARNING: the fd hard limit is $(ulimit -Hn) and cannot be raised here (no CAP_SYS_RESOURCE):" \
        "$BENCH_CONCURRENCY_ASKED concurrent connections cannot work in any one process; measuring $BENCH_CONCURRENCY"
fi

# Per-namespace limits the connections would hit, raised inside the lab only: ephemeral ports (client -> the
# tunnel, server -> target: 28k by default), accept backlogs, and TIME_WAIT ports reused between rounds.
bench_raise_netns_limits() {
    local role
    for role in client server target; do
        lab_in "$role" sysctl -qw net.ipv4.ip_local_port_range="1024 65535" net.core.somaxconn=65535 \
            net.ipv4.tcp_max_syn_backlog=65535 net.ipv4.tcp_tw_reuse=1
    done
}

LAB_FIXTURE_MB=0
lab_setup
LAB_SSHD_PID=${LAB_PIDS[0]}  # lab_start_sshd spawns it first
bench_raise_netns_limits

# The long link: the relay in the server namespace delays both directions between the client and sshd; an
# ssh_config that differs from the lab's only in its port makes every mode go through it.
lab_start_delay_relay "$RELAY_BIN" "$RELAY_PORT" "$BENCH_DELAY_MS"
RELAY_PID=$LAB_RELAY_PID RELAY_SSH_CONFIG=$LAB_RELAY_SSH_CONFIG

RESULTS="$LAB_TMP/results"
mkdir -p "$RESULTS" "$BENCH_DIR/results"
cat >"$RESULTS/settings.json" <<EOF
{"rounds": $BENCH_ROUNDS, "bulk_s": $BENCH_BULK_S, "rtt_s": $BENCH_RTT_S, "long_s": $BENCH_LONG_S,
 "delay_ms_each_way": $BENCH_DELAY_MS, "start_samples": $BENCH_START_SAMPLES, "concurrency": $BENCH_CONCURRENCY,
 "concurrency_asked": $BENCH_CONCURRENCY_ASKED, "scale_rounds": $BENCH_SCALE_ROUNDS, "fd_hard_limit": $(ulimit -Hn), "hang_s": $BENCH_HANG_S,
 "ours_options": "${BENCH_OURS_OPTIONS:-}", "ssh2_options": "${BENCH_SSH2_OPTIONS:-}", "cpus": $(nproc)}
EOF

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

out="$BENCH_DIR/results/$(date -u +%Y%m%dT%H%M%SZ)"
"$LAB_PY" "$BENCH_DIR/lib/report.py" "$out.json" "$RESULTS"
lab_log "results written to $out.json"
if "$LAB_PY" "$BENCH_DIR/lib/plot.py" "$out.json" "$out.png"; then
    lab_log "picture written to $out.png"
else
    lab_log "no picture: plot.py failed (is python3-matplotlib installed? scripts/setup-deps.sh)"
fi
