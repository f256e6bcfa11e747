#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Our client with upstream's Python server (--server-cmd): the mux is wire compatible. Checksummed transfers
# both ways, IPv4 and IPv6, and 100 concurrent connections.
set -euo pipefail
source "$(dirname "$0")/lib/lab.sh"
LAB_FIXTURE_MB=${LAB_FIXTURE_MB:-20}
lab_setup

sst_start_remote interop_upstream_server --server-cmd "$LAB_DIR_SRC/upstream_server.sh" "$PRIVATE_V4" "$PRIVATE_V6"
sst_wait_tunnel "$TARGET_V4"

for host in "$TARGET_V4" "$TARGET_V6"; do
    sst_expect_proxied client "$host" >/dev/null
    sst_transfer_checks client "$host"
    lab_pass "our client + upstream server: curl, ${LAB_FIXTURE_MB} MB down and up via $host"
done
report="$(lab_in client "$LAB_PY" "$LAB_DIR_SRC/concurrency.py" "$TARGET_V4" "$ECHO_PORT" 100 10)" ||
    lab_fail "our client + upstream server: 100 concurrent connections: $report"
lab_pass "our client + upstream server: 100 concurrent connections"

sst_stop
lab_pass "interop_upstream_server"
