#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# UDP through the tunnel (tproxy): 1000 datagrams of random content, sizes 1 byte to 8 KiB, over 8 concurrent
# flows, echoed by a UDP server in the target namespace, for IPv4 and IPv6; none may be lost for good or come back
# corrupted, and the echo must come from the address the application sent to. The target sees the server's
# socket, not the application's. Nothing (rules, ip rules, routes) is left after exit or after SIGKILL.
set -euo pipefail
source "$(dirname "$0")/lib/lab.sh"
source "$(dirname "$0")/lib/tproxy.sh"
LAB_FIXTURE_MB=0 lab_setup
SSHUTTLE_METHOD=tproxy
tp_start_udp_echo

# Without the tunnel the server does not forward: no echo.
if lab_in client "$LAB_PY" "$LAB_DIR_SRC/udp_echo_check.py" "$TARGET_V4" "$UDP_ECHO_PORT" 1 16 1 >/dev/null 2>&1; then
    lab_fail "UDP reached the target without sshuttle"
fi

sst_start_remote udp --tproxy-setup-routes "$PRIVATE_V4" "$PRIVATE_V6"
sst_wait_tunnel "$TARGET_V4"
for host in "$TARGET_V4" "$TARGET_V6"; do
    out="$(lab_in client "$LAB_PY" "$LAB_DIR_SRC/udp_echo_check.py" "$host" "$UDP_ECHO_PORT" 1000 8192 8)" ||
        lab_fail "UDP echo via $host: $out"
    lab_pass "UDP echo via $host: $out"
done
# A single big datagram, near the largest IPv4 UDP payload, crosses in one piece.
out="$(lab_in client "$LAB_PY" "$LAB_DIR_SRC/udp_echo_check.py" "$TARGET_V4" "$UDP_ECHO_PORT" 3 65000 1)" ||
    lab_fail "64 KB UDP datagrams: $out"
lab_pass "64 KB datagrams: $out"
# The target sees the tunnel's socket (the server's address), not the client namespace's.
seen="$(lab_in client "$LAB_PY" - "$TARGET_V4" "$UDP_ECHO_PORT" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
s.connect((sys.argv[1], int(sys.argv[2])))
s.send(b"WHOAMI")
print(s.recv(100).decode().split()[0])
PY
)" || lab_fail "no WHOAMI answer over UDP"
[[ "$seen" == 198.51.100.1 ]] || lab_fail "the target saw $seen, expected the server's 198.51.100.1"
lab_pass "UDP leaves from the server's address"
grep -q "UDP flow .* on channel" "$SST_LOG" || lab_fail "no UDP flow in the client log"
sst_stop
tp_expect_no_policy_routes client
lab_pass "UDP: nothing left after exit"

sst_start_remote udp-kill --tproxy-setup-routes "$PRIVATE_V4" "$PRIVATE_V6"
sst_wait_tunnel "$TARGET_V4"
out="$(lab_in client "$LAB_PY" "$LAB_DIR_SRC/udp_echo_check.py" "$TARGET_V6" "$UDP_ECHO_PORT" 50 8192 4)" ||
    lab_fail "UDP echo before SIGKILL: $out"
kill -KILL "$SST_PID"
sst_wait_exit 20
sst_wait_rules_gone client
tp_expect_no_policy_routes client
lab_pass "UDP: nothing left after SIGKILL of the client"
lab_pass "udp_echo"
