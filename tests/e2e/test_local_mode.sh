#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Local mode (no -r): sshuttle runs in the server namespace, which reaches the target directly, and its local
# server child proxies the connections. Proof of proxying: the target sees another source port than the one the
# application bound, and the client's -v log shows the accepted connections. Also: no loop (the local server's
# own outgoing connections are not captured again), checksummed transfers, rules restored at the end.
set -euo pipefail
source "$(dirname "$0")/lib/lab.sh"
LAB_FIXTURE_MB=${LAB_FIXTURE_MB:-20}
lab_setup

sst_start server local_mode --method "$SSHUTTLE_METHOD" "$PRIVATE_V4" "$PRIVATE_V6"
sst_wait_proxied server "$TARGET_V4"
# Said once, at normal verbosity (the log is at -v, so look for the line itself).
[[ $(grep -c "local mode (no -r): no remote; a local server makes the captured connections" "$SST_LOG") == 1 ]] ||
    lab_fail "local mode did not say so in one line"

for host in "$TARGET_V4" "$TARGET_V6"; do
    sst_expect_proxied server "$host" >/dev/null
    sst_transfer_checks server "$host"
    lab_pass "local mode: curl, ${LAB_FIXTURE_MB} MB download and upload via $host"
done

report="$(lab_in server "$LAB_PY" "$LAB_DIR_SRC/concurrency.py" "$TARGET_V4" "$ECHO_PORT" 100 10)" ||
    lab_fail "local mode: 100 concurrent connections: $report"
lab_pass "local mode: 100 concurrent connections: $report"

sst_stop
lab_pass "local_mode"
