#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# -N/--auto-nets with no subnet on the command line: the server announces the networks it is attached to (IPv4 and
# IPv6), and the client tunnels them: the private networks become reachable, the excluded one is not.
set -euo pipefail
source "$(dirname "$0")/lib/lab.sh"
LAB_FIXTURE_MB=0 lab_setup

sst_start_remote auto_nets -N -x "$OTHER_V4/32" -x "$OTHER_V6/128"
sst_wait_tunnel "$TARGET_V4"
for host in "$TARGET_V4" "$TARGET_V6" "$OTHER2_V4" "$OTHER2_V6"; do
    sst_expect_proxied client "$host" >/dev/null
done
lab_pass "-N: the server's networks are tunnelled (IPv4 and IPv6)"
sst_expect_blocked client "$OTHER_V4" "$ECHO_PORT"
sst_expect_blocked client "$OTHER_V6" "$ECHO_PORT"
lab_pass "-N: command-line excludes still apply"
grep -q "2001:db8:7::/64" <(sst_rules client) || lab_fail "no rule for the server's IPv6 network 2001:db8:7::/64"
sst_stop
lab_pass "auto_nets"
