#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The firewall manager killed in the middle of a session (SIGKILL: as the OOM killer does it). The client must
# notice at once, say so, remove the rules the dead manager left (through a fresh manager), and exit non-zero:
# never stay "Connected" with nothing captured, never leave rules behind.
set -euo pipefail
LAB_FIXTURE_MB=0
source "$(dirname "$0")/lib/lab.sh"
lab_setup

sst_start_remote manager_killed "$PRIVATE_V4"
sst_wait_tunnel "$TARGET_V4"
manager=$(pgrep -P "$SST_PID" -f -- '--firewall' | head -n 1 || true)
[[ -n "$manager" ]] || lab_fail "no firewall manager among the client's children"
[[ -n "$(sst_rules client)" ]] || lab_fail "no rules installed before the kill"

kill -KILL "$manager"
sst_wait_exit 30
# At exit, not some time later: the client removed the rules (a fresh manager did) before it exited.
left="$(sst_rules client || true)"
[[ -z "$left" ]] || lab_fail "rules left after the client exited: $left"
((SST_RC != 0)) || lab_fail "the client exited with status 0 after its firewall manager was killed"
((SST_RC < 128)) || lab_fail "the client died by signal $((SST_RC - 128))"
grep -q "firewall manager (pid $manager) killed by signal 9" "$SST_LOG" ||
    lab_fail "the client did not say that the firewall manager was killed (log below)"
lab_pass "manager_killed: client exited with status $SST_RC, said why, and no rule is left"
