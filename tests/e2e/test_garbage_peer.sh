#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A server that starts correctly and then sends garbage frames: the client must say so, exit non-zero on its
# own (no hang, no crash by signal), and its firewall rules must be gone.
set -euo pipefail
source "$(dirname "$0")/lib/lab.sh"
LAB_FIXTURE_MB=0 lab_setup

go_file="$LAB_TMP/garbage-go"
sst_start_remote garbage_peer --server-cmd "$LAB_PY $LAB_DIR_SRC/garbage_server.py $go_file" "$PRIVATE_V4"

# Wait until the client has taken the valid start (its rules are installed), then release the garbage.
deadline=$((SECONDS + 60))
until [[ -n "$(sst_rules client)" ]]; do
    sst_alive || lab_fail "the client exited (status $(sst_status)) before installing its rules"
    ((SECONDS < deadline)) || lab_fail "the client never installed its rules after the server's ROUTES"
    sleep 0.05
done
lines_before=$(wc -l <"$SST_LOG")
touch "$go_file"

sst_wait_exit 30
((SST_RC != 0)) || lab_fail "the client exited with status 0 after garbage from the server"
((SST_RC < 128)) || lab_fail "the client died by signal $((SST_RC - 128)) instead of exiting cleanly"
# Only what the client logged after the garbage went out counts.
report="$(tail -n +"$((lines_before + 1))" "$SST_LOG" |
    grep -iE 'invalid|bad|garbage|corrupt|protocol|unexpected|magic|malformed|error|fatal' | head -n 1)"
[[ -n "$report" ]] || lab_fail "the client's log does not report the garbage (its log is printed below)"
lab_log "the client said: $report"
sst_wait_rules_gone client
lab_pass "garbage_peer: client exited with status $SST_RC and restored its rules"
