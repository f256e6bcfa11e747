#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# 1000 connections open at the same time through the tunnel, each doing 10 echo round trips: all must succeed.
set -euo pipefail
source "$(dirname "$0")/lib/lab.sh"
LAB_FIXTURE_MB=0 lab_setup

CONNECTIONS=${CONNECTIONS:-1000}
ROUNDS=${ROUNDS:-10}

sst_start_remote concurrency "$PRIVATE_V4" "$PRIVATE_V6"
sst_wait_tunnel "$TARGET_V4"

for host in "$TARGET_V4" "$TARGET_V6"; do
    report="$(lab_in client "$LAB_PY" "$LAB_DIR_SRC/concurrency.py" "$host" "$ECHO_PORT" "$CONNECTIONS" "$ROUNDS" 200)" ||
        lab_fail "concurrency via $host: $report"
    lab_pass "$CONNECTIONS concurrent connections x $ROUNDS round trips via $host: $report"
    sst_alive || lab_fail "the client died under load (status $(sst_status))"
done

sst_stop
lab_pass "concurrency"
