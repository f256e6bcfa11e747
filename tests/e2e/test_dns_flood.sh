#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A flood of DNS queries through the tunnel with SSHUTTLE_METHOD (nat by default; tproxy adds
# --tproxy-setup-routes): 500 concurrent IPv4 and 500 concurrent IPv6 queries, each from its own socket, all
# answered by dnsmasq in the target namespace (test_dns.sh's getent checks that answers come from the nameserver's
# address, which the C library insists on). Then nothing is left behind.
set -euo pipefail
LAB_FIXTURE_MB=0
source "$(dirname "$0")/lib/lab.sh"
source "$(dirname "$0")/lib/tproxy.sh"
lab_setup

NAME=flood.lab.test
NS_V4=203.0.113.53 NS_V6=2001:db8:e::53
lab_spawn target "$LAB_TMP/dnsmasq.log" dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts \
    --pid-file= --bind-interfaces "--listen-address=$TARGET_V4" "--listen-address=$TARGET_V6" --port 53 \
    --dns-forward-max=1000 "--address=/$NAME/$TARGET_V4" "--address=/$NAME/$TARGET_V6"
DNSMASQ_PID=$LAB_LAST_PID
lab_wait_listen target 53
lab_write_resolv_conf client "nameserver $NS_V4" "nameserver $NS_V6" "options timeout:1 attempts:1"

extra=()
[[ $SSHUTTLE_METHOD == tproxy ]] && extra=(--tproxy-setup-routes)
sst_start_remote flood "${extra[@]}" --dns "$PRIVATE_V4"
sst_wait_tunnel "$TARGET_V4"
for round in 1 2; do
    out="$(lab_in client "$LAB_PY" "$LAB_DIR_SRC/dns_query.py" "$NS_V4" "$NAME" A 500 30)" ||
        lab_fail "round $round, 500 IPv4 queries: $out"
    [[ "$out" == "$TARGET_V4"$'\n'"answered 500/500" ]] || lab_fail "round $round, IPv4: $out"
    out="$(lab_in client "$LAB_PY" "$LAB_DIR_SRC/dns_query.py" "$NS_V6" "$NAME" AAAA 500 30)" ||
        lab_fail "round $round, 500 IPv6 queries: $out"
    [[ "$out" == "$TARGET_V6"$'\n'"answered 500/500" ]] || lab_fail "round $round, IPv6: $out"
done
lab_pass "$SSHUTTLE_METHOD: 2 x 500 concurrent IPv4 and IPv6 queries all answered"

# Requests waiting on a nameserver that never answers cost the server little memory (it once kept a 64 KiB
# reply buffer per pending request): 1000 of them, the server's resident size measured while they wait.
kill "$DNSMASQ_PID"
lab_spawn target "$LAB_TMP/silent_ns.log" "$LAB_PY" -c \
    "import socket, time; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('$TARGET_V4', 53)); time.sleep(300)"
deadline=$((SECONDS + 20))
until [[ -n "$(lab_in target ss -Hlun "sport = :53")" ]]; do
    ((SECONDS < deadline)) || lab_fail "the silent nameserver never bound port 53"
    sleep 0.1
done
server=$(server_pids | head -n 1)
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$server/status"; }
before=$(rss_kb)
lab_in client "$LAB_PY" "$LAB_DIR_SRC/dns_query.py" "$NS_V4" "$NAME" A 1000 3 >/dev/null 2>&1 || true
during=$(rss_kb)
per_request=$(((during - before) * 1024 / 1000))
((per_request < 8192)) ||
    lab_fail "the server grew by $per_request bytes per pending DNS request ($before -> $during KiB for 1000)"
lab_pass "1000 pending DNS requests: the server grew by $((during - before)) KiB ($per_request bytes each)"

# The same for UDP flows (tproxy carries UDP): 1000 flows, each from its own socket, to a UDP port on the target
# that never answers; the server holds one flow per source and no receive buffer of its own for it.
if [[ $SSHUTTLE_METHOD == tproxy ]]; then
    SILENT_UDP_PORT=9999
    lab_spawn target "$LAB_TMP/silent_udp.log" "$LAB_PY" -c \
        "import socket, time; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
s.bind(('$TARGET_V4', $SILENT_UDP_PORT)); time.sleep(300)"
    deadline=$((SECONDS + 20))
    until [[ -n "$(lab_in target ss -Hlun "sport = :$SILENT_UDP_PORT")" ]]; do
        ((SECONDS < deadline)) || lab_fail "the silent UDP listener never bound port $SILENT_UDP_PORT"
        sleep 0.1
    done
    server_sockets() { find "/proc/$server/fd" -lname 'socket:*' 2>/dev/null | wc -l; }
    # The DNS requests above end on the server's own time-out: counted from a settled server only.
    deadline=$((SECONDS + 60))
    until (($(server_sockets) < 100)); do
        ((SECONDS < deadline)) ||
            lab_fail "the server still holds $(server_sockets) sockets a minute after the DNS flood"
        sleep 0.5
    done
    sockets_before=$(server_sockets)
    before=$(rss_kb)
    lab_spawn client "$LAB_TMP/udp_flows.log" "$LAB_PY" -c "
import socket, time
held = []
for _ in range(1000):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(b'flow', ('$TARGET_V4', $SILENT_UDP_PORT))
    held.append(s)
    time.sleep(0.002)  # paced: a burst would overflow the client's UDP listener, and UDP may drop
print('sent', flush=True)
time.sleep(60)"
    FLOWS_PID=$LAB_LAST_PID
    # Each flow's first datagram opens it on the server; a few may be lost on the way (UDP), so the count is
    # what the server really opened, once it stops growing.
    deadline=$((SECONDS + 30)) flows=0
    until grep -q sent "$LAB_TMP/udp_flows.log" 2>/dev/null && ((flows >= 1000 || SECONDS >= deadline)); do
        sleep 1
        flows=$(($(server_sockets) - sockets_before))
    done
    ((flows >= 900)) || lab_fail "the server opened only $flows sockets for 1000 UDP flows"
    during=$(rss_kb)
    kill "$FLOWS_PID" 2>/dev/null || true
    per_flow=$(((during - before) * 1024 / flows))
    ((per_flow < 8192)) ||
        lab_fail "the server grew by $per_flow bytes per open UDP flow ($before -> $during KiB for $flows)"
    lab_pass "$flows open UDP flows: the server grew by $((during - before)) KiB ($per_flow bytes each)"
fi
sst_expect_proxied client "$TARGET_V4" >/dev/null
sst_stop
tp_expect_no_policy_routes client
lab_pass "dns_flood ($SSHUTTLE_METHOD)"
