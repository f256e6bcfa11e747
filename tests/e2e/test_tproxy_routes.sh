#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# --method tproxy and policy routing: without it the client stops with one line naming the exact commands (and
# installs nothing); with --tproxy-setup-routes it installs its own rule and route, and they are gone, with the
# rules, after a normal exit and after SIGKILL of the client. Routing set up by hand (upstream's docs) works too.
set -euo pipefail
source "$(dirname "$0")/lib/lab.sh"
source "$(dirname "$0")/lib/tproxy.sh"
LAB_FIXTURE_MB=0 lab_setup
SSHUTTLE_METHOD=tproxy

before="$(tp_policy_state client)"

sst_start_remote no-routes "$PRIVATE_V4" "$PRIVATE_V6"
sst_wait_exit 30
((SST_RC != 0)) || lab_fail "the client ran without policy routing for the mark"
grep -q 'ip rule add fwmark 0x01 lookup 100; ip route add local default dev lo table 100' "$SST_LOG" ||
    lab_fail "the error does not name the IPv4 commands: $(tail -n 3 "$SST_LOG")"
grep -q 'ip -6 rule add fwmark 0x01 lookup 100; ip -6 route add local default dev lo table 100' "$SST_LOG" ||
    lab_fail "the error does not name the IPv6 commands: $(tail -n 3 "$SST_LOG")"
[[ "$(grep -c 'policy routing missing' "$SST_LOG")" == 1 ]] || lab_fail "the error is not one line: $(cat "$SST_LOG")"
sst_wait_rules_gone client
lab_pass "missing policy routing: one line with the commands, nothing installed"

sst_start_remote setup-routes --tproxy-setup-routes "$PRIVATE_V4" "$PRIVATE_V6"
sst_wait_tunnel "$TARGET_V4"
sst_wait_tunnel "$TARGET_V6"
tp_policy_state client | grep -Eq 'fwmark 0x1 lookup 1[0-9]{5}' || lab_fail "no rule of ours: $(tp_policy_state client)"
sst_expect_proxied client "$TARGET_V4" >/dev/null
sst_expect_proxied client "$TARGET_V6" >/dev/null
sst_stop
tp_expect_no_policy_routes client
[[ "$(tp_policy_state client)" == "$before" ]] || lab_fail "policy routing changed after exit: $(tp_policy_state client)"
lab_pass "--tproxy-setup-routes: installed, TCP v4+v6 tunnelled, removed on exit"

sst_start_remote setup-routes-kill --tproxy-setup-routes "$PRIVATE_V4" "$PRIVATE_V6"
sst_wait_tunnel "$TARGET_V4"
kill -KILL "$SST_PID"
sst_wait_exit 20
sst_wait_rules_gone client
tp_expect_no_policy_routes client
[[ "$(tp_policy_state client)" == "$before" ]] || lab_fail "policy routing left after SIGKILL: $(tp_policy_state client)"
lab_pass "--tproxy-setup-routes: rules, ip rules and routes gone after SIGKILL of the client"

# Routing set up by hand, as upstream documents it: the check accepts it and sshuttle leaves it alone.
for f in -4 -6; do
    lab_in client ip "$f" rule add fwmark 0x01 lookup 100
    lab_in client ip "$f" route add local default dev lo table 100
done
manual="$(tp_policy_state client)"
sst_start_remote manual-routes "$PRIVATE_V4" "$PRIVATE_V6"
sst_wait_tunnel "$TARGET_V4"
sst_expect_proxied client "$TARGET_V6" >/dev/null
sst_stop
[[ "$(tp_policy_state client)" == "$manual" ]] || lab_fail "sshuttle changed hand-made policy routing"
if grep -qi 'does not exist\|No chain/target/match' "$SST_LOG"; then lab_fail "iptables noise in the log: $(cat "$SST_LOG")"; fi
lab_pass "policy routing by hand: accepted and left alone; no iptables noise"
lab_pass "tproxy_routes"
