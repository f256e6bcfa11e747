#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# -x keeps an address out of the tunnel, and a port range tunnels only the ports inside it (IPv4 and IPv6).
# The server does not forward, so anything not tunnelled cannot connect at all.
set -euo pipefail
source "$(dirname "$0")/lib/lab.sh"
LAB_FIXTURE_MB=0 lab_setup

# Private network: only the echo port range; other network: everything except OTHER_*.
sst_start_remote excludes_ports \
    "$PRIVATE_V4:$ECHO_PORT-$((ECHO_PORT + 10))" "[$PRIVATE_V6]:$ECHO_PORT-$((ECHO_PORT + 10))" \
    "$OTHERNET_V4" "$OTHERNET_V6" -x "$OTHER_V4/32" -x "$OTHER_V6/128"
sst_wait_tunnel "$TARGET_V4"

for fam in V4 V6; do
    target="TARGET_$fam" other="OTHER_$fam" other2="OTHER2_$fam"
    sst_expect_proxied client "${!target}" "$ECHO_PORT" >/dev/null
    lab_pass "${!target}:$ECHO_PORT (inside the port range) is tunnelled"
    sst_expect_blocked client "${!target}" "$HTTP_PORT"
    lab_pass "${!target}:$HTTP_PORT (outside the port range) is not tunnelled"
    sst_expect_proxied client "${!other2}" "$ECHO_PORT" >/dev/null
    lab_pass "${!other2} (included network) is tunnelled"
    sst_expect_blocked client "${!other}" "$HTTP_PORT"
    sst_expect_blocked client "${!other}" "$ECHO_PORT"
    lab_pass "${!other} (excluded with -x) is not tunnelled"
done

sst_stop
lab_pass "excludes_ports"
