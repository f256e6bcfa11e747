#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A second firewall manager for the port of a running instance (a second session, or anyone with the sudo rule)
# is refused before it touches anything: the running instance keeps its rules and keeps tunnelling.
set -euo pipefail
LAB_FIXTURE_MB=0
source "$(dirname "$0")/lib/lab.sh"
lab_setup

sst_start_remote first_instance "$PRIVATE_V4"
sst_wait_tunnel "$TARGET_V4"
rules_before="$(sst_rules client)"
port=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$SST_LOG" | head -n 1 | cut -d: -f2)
[[ -n "$port" ]] || lab_fail "the first instance's listen port is not in its log"

# Root itself asking: the same refusal (the lock is per port and network namespace, whoever asks).
out="$(PROBE_ORDER="ROUTES|2,24,0,203.0.113.0,0,0|NSLIST|PORTS 0,$port,0,0|GO 0 - - 0x01 {pid}" \
    lab_in client "$LAB_PY" "$LAB_DIR_SRC/manager_probe.py" -- "$SSHUTTLE_BIN" --firewall --method "$SSHUTTLE_METHOD" 2>&1)"
lab_log "second manager: $(tr '\n' ' ' <<<"$out")"
[[ "$out" == *"ERROR port $port is in use by another running sshuttle firewall manager"* ]] ||
    lab_fail "a second manager for port $port was not refused: $out"
[[ "$(sst_rules client)" == "$rules_before" ]] || lab_fail "the first instance's rules changed"
sst_expect_proxied client "$TARGET_V4" >/dev/null
lab_pass "a second manager on a port in use is refused; the first instance keeps its rules and tunnel"
sst_stop
lab_pass "two_instances"
