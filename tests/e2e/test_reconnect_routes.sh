#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# -N and reconnection: the server's route set changes between two connections (the server gains the network
# 203.0.113.0/24, then its helper is killed to force a reconnect) and the rules follow in one update of the
# firewall (SSHUTTLE_METHOD: nat, nft or tproxy): the new network is tunnelled afterwards. Throughout, a tight loop
# samples the rules in the client namespace (iptables-save / nft list) and finds the jump and the old network's
# redirect (IPv4 and IPv6) in every sample, and a stream of connection attempts to the old network never reaches the server
# namespace by the direct route (a counting rule there). `sshuttle status --json` then shows the reconnect with
# its cause and the new subnets; `sshuttle status` lists the cause with its times.
set -euo pipefail
source "$(dirname "$0")/lib/lab.sh"
source "$(dirname "$0")/lib/reconnect.sh"
LAB_FIXTURE_MB=0 lab_setup
label="reconnect_routes[$SSHUTTLE_METHOD]"
extra=()
[[ $SSHUTTLE_METHOD == tproxy ]] && extra=(--tproxy-setup-routes)

# The server starts without the second target network: -N's first route set lacks it.
lab_in server ip addr del 203.0.113.1/24 dev eth0t

# As test_status.sh: the client in a private mount namespace with its own /run/sshuttle, so that `status` finds
# this test's client only.
mkdir -p /run/sshuttle
SST_WRAPPER=(unshare -m --propagation private sh -c
    'mount -t tmpfs -o mode=0755 sshuttle-status-test /run/sshuttle && exec "$@"' sh)
sst_start_remote reconnect_routes "${extra[@]}" -N
SST_WRAPPER=()
sst_wait_tunnel "$TARGET_V4"
sst_expect_blocked client "$OTHER_V4" "$ECHO_PORT"
sst_rules client | grep -q "203.0.113" && lab_fail "the first rules already have 203.0.113.0/24: $(sst_rules client)"
lab_pass "$label: first route set without 203.0.113.0/24"

# The sampler: every sample must hold the jump into our rules and the old network's redirect, IPv4 and IPv6 (-N
# announces both; each family is updated in a transaction of its own).
case $SSHUTTLE_METHOD in
    nat) listing="iptables-save -t nat; ip6tables-save -t nat"
        expect=("-A OUTPUT -j sshuttle-" "-d $PRIVATE_V4 -p tcp -j REDIRECT" "-d $PRIVATE_V6 -p tcp -j REDIRECT") ;;
    nft) listing="nft list ruleset"
        expect=("jump sshuttle-ipv4-" "ip daddr $PRIVATE_V4 redirect" "jump sshuttle-ipv6-" "ip6 daddr $PRIVATE_V6 redirect") ;;
    tproxy) listing="iptables-save -t mangle; ip6tables-save -t mangle"
        expect=("-A PREROUTING -j sshuttle-t-" "-d $PRIVATE_V4 -p tcp -m tcp -j TPROXY"
            "-d $PRIVATE_V6 -p tcp -m tcp -j TPROXY") ;;
    *) lab_fail "no sampler for method $SSHUTTLE_METHOD" ;;
esac
: >"$LAB_TMP/sampling"
# shellcheck disable=SC2016  # expanded by the sampling shell
lab_spawn client "$LAB_TMP/sampler.log" bash -c '
    flag=$1 listing=$2; shift 2
    samples=0; gaps=0
    while [[ -e $flag ]]; do
        out=$(eval "$listing")
        for want in "$@"; do
            [[ $out == *"$want"* ]] || { gaps=$((gaps + 1)); printf "%s\n%s\n" "missing: $want" "$out" >"$flag.gap"; break; }
        done
        samples=$((samples + 1))
    done
    echo "$samples $gaps"' sampler "$LAB_TMP/sampling" "$listing" "${expect[@]}"
SAMPLER=$LAB_LAST_PID
# Connection attempts to the old network every 10 ms; any SYN that is not captured reaches the server namespace.
lab_in server iptables -t raw -I PREROUTING -s "$CLIENT_V4" -d "$PRIVATE_V4"
lab_spawn client "$LAB_TMP/attempts.log" "$LAB_PY" -c '
import os, socket, sys, time
while os.path.exists(sys.argv[1]):
    s = socket.socket(); s.setblocking(False)
    s.connect_ex((sys.argv[2], int(sys.argv[3])))
    time.sleep(0.01)
    s.close()
' "$LAB_TMP/sampling" "$TARGET_V4" "$ECHO_PORT"
ATTEMPTS=$LAB_LAST_PID
sleep 1

# The server gains the network; its helper dies; the next connection announces the new set.
lab_in server ip addr add 203.0.113.1/24 dev eth0t
kill -KILL $(server_pids)
wait_log_count "server connection is back" 1 60
wait_log_count "the rules now follow the new set" 1 30
sst_wait_tunnel "$OTHER_V4" "$ECHO_PORT" 30
sst_expect_proxied client "$OTHER_V4" >/dev/null
sst_wait_tunnel "$TARGET_V4"
sleep 1
rm -f "$LAB_TMP/sampling"
wait "$ATTEMPTS" || true
wait "$SAMPLER" || true
read -r samples gaps <"$LAB_TMP/sampler.log" || lab_fail "the sampler wrote nothing: $(cat "$LAB_TMP/sampler.log")"
((samples >= 20)) || lab_fail "only $samples samples of the rules were taken"
((gaps == 0)) || lab_fail "$gaps of $samples samples lacked the rules; one of them: $(cat "$LAB_TMP/sampling.gap")"
leaks=$(lab_in server iptables-save -c -t raw |
    awk -v rule="-A PREROUTING -s $CLIENT_V4/32 -d $PRIVATE_V4" 'index($0, rule) {sub(/^\[/, "", $1); split($1, c, ":"); print c[1]}')
[[ $leaks == 0 ]] || lab_fail "$leaks packets to $PRIVATE_V4 reached the server namespace by the direct route"
grep -q "the rules keep the previous set" "$SST_LOG" && lab_fail "the update failed: $(grep 'previous set' "$SST_LOG")"
grep -q "cannot replace its rules in one step" "$SST_LOG" && lab_fail "the method fell back to restore + setup"
lab_log "FIGURE $label: $samples samples of the rules across the reconnect and the update, none without them"
lab_pass "$label: the rules followed the new route set in one update; no gap in $samples samples; no leak"

# The status: the reconnect with its cause and times, and the new subnets.
json=$(nsenter -t "$SST_PID" -m -- "$SSHUTTLE_BIN" status --json) || lab_fail "sshuttle status --json failed: $json"
"$LAB_PY" - "$json" <<'PY' || lab_fail "status --json does not show the reconnect: $json"
import json, sys
s = json.loads(sys.argv[1])
assert s["reconnects"] == 1, s["reconnects"]
recent = s["recent_reconnects"]
assert len(recent) == 1, recent
assert recent[0]["cause"], recent
assert 0 < recent[0]["lost_unix_ms"] <= recent[0]["back_unix_ms"], recent
assert "203.0.113.0/24" in s["subnets"], s["subnets"]
PY
page=$(nsenter -t "$SST_PID" -m -- "$SSHUTTLE_BIN" status) || lab_fail "sshuttle status failed: $page"
grep -q "reconnects   the last 1:" <<<"$page" || lab_fail "sshuttle status lists no reconnect: $page"
grep -q "; back after " <<<"$page" || lab_fail "sshuttle status does not say when the server was back: $page"
lab_pass "$label: status shows the reconnect, its cause and times, and the new subnets"

sst_stop
lab_pass "reconnect_routes"
