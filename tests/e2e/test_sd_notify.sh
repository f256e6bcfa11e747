#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# systemd notification: with NOTIFY_SOCKET set, a listener there (as systemd) sees READY=1 once the rules are in
# place (a connection made right after it goes through the tunnel), STATUS= with the peer and the open
# connection count as it changes (then rates and RTT, as `sshuttle status` says them briefly), and STOPPING=1
# when the client shuts down.
set -euo pipefail
source "$(dirname "$0")/lib/lab.sh"
LAB_FIXTURE_MB=0 lab_setup

NOTIFY_LOG="$LAB_TMP/notify.txt"
: >"$NOTIFY_LOG"
# The listener: one line per datagram, its newlines shown as '|'. A pathname socket is reachable from every
# network namespace.
lab_spawn client "$LAB_TMP/notify-listener.log" "$LAB_PY" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a") as out:
    while True:
        out.write(s.recv(4096).decode().replace("\n", "|") + "\n")
        out.flush()
' "$LAB_TMP/notify.sock" "$NOTIFY_LOG"
deadline=$((SECONDS + 20))
until [[ -S "$LAB_TMP/notify.sock" ]]; do
    ((SECONDS < deadline)) || lab_fail "the notify listener did not start"
    sleep 0.05
done

# wait_notify REGEX [TIMEOUT] [AFTER]: poll the listener's output until a datagram after line AFTER matches.
wait_notify() {
    local regex=$1 timeout_s=${2:-60} after=${3:-0}
    local deadline=$((SECONDS + timeout_s))
    until tail -n +"$((after + 1))" "$NOTIFY_LOG" | grep -qE -- "$regex"; do
        sst_alive || lab_fail "the client exited (status $(sst_status)) before sending '$regex'"
        ((SECONDS < deadline)) || lab_fail "no notification matching '$regex' after ${timeout_s}s: $(cat "$NOTIFY_LOG")"
        sleep 0.05
    done
}

NOTIFY_SOCKET="$LAB_TMP/notify.sock" sst_start_remote notify "$PRIVATE_V4" "$PRIVATE_V6"
wait_notify '^READY=1\|STATUS=Connected to root@'"$SERVER_V4"'$'
# READY=1 means the rules are in place: the very next connection must be tunnelled, no polling.
sst_expect_proxied client "$TARGET_V4" >/dev/null
lab_pass "sd_notify: READY=1 ($(grep READY "$NOTIFY_LOG")), and the tunnel works right after it"

# One connection held open: the status follows the count.
lab_spawn client "$LAB_TMP/holder.log" "$LAB_PY" -c '
import socket, sys, time
c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
c.sendall(b"x"); c.recv(1)
time.sleep(600)
' "$TARGET_V4" "$ECHO_PORT"
HOLDER=$LAB_LAST_PID
# The line goes on with the rates and the RTT (`sshuttle status` in brief) once there are some.
wait_notify '^STATUS=Connected to root@'"$SERVER_V4"', 1 open connections(,|$)' 30
seen=$(wc -l <"$NOTIFY_LOG")
kill "$HOLDER"
wait_notify '^STATUS=Connected to root@'"$SERVER_V4"', 0 open connections(,|$)' 30 "$seen"
lab_pass "sd_notify: STATUS follows the open connection count (1, then 0)"

sst_stop
grep -q '^STOPPING=1' "$NOTIFY_LOG" || lab_fail "no STOPPING=1 at shutdown: $(cat "$NOTIFY_LOG")"
lab_pass "sd_notify: STOPPING=1 at shutdown, rules removed"
lab_pass "sd_notify"
