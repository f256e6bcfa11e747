#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A well-formed but hostile server (lib/hostile_server.py through --server-cmd) with -N -H: routes for 0.0.0.0/0,
# 127.0.0.0/8 and ::1, and a host list with a space, an ANSI escape sequence, LocalHost and 10,000 valid names.
# The client must capture 0/0 but never loopback, say what it installed, refuse each bad name with a warning that
# shows it escaped (and never pass it to the firewall manager, which would drop the rules), write the 10,000 names
# in batches without freezing, and still end cleanly with every rule and line removed.
# The machine's /etc/hosts is never touched: the client runs in a private mount namespace over an /etc overlay.
set -euo pipefail
LAB_FIXTURE_MB=0
source "$(dirname "$0")/lib/lab.sh"
HOSTS_COUNT=10000
REAL_HOSTS_SUM="$(sha256sum /etc/hosts)"
lab_setup

lab_spawn client "$LAB_TMP/mntns.log" unshare --mount --propagation private sh -c '
    set -e
    mkdir -p "$1"
    mount -t tmpfs sst-etc "$1"
    mkdir "$1/upper" "$1/work"
    mount -t overlay sst-etc -o "lowerdir=/etc,upperdir=$1/upper,workdir=$1/work" /etc
    echo ready
    exec sleep infinity' sh "$LAB_TMP/etc-overlay"
HOLDER=$LAB_LAST_PID
deadline=$((SECONDS + 20))
until grep -q ready "$LAB_TMP/mntns.log" 2>/dev/null; do
    ((SECONDS < deadline)) || lab_fail "the private mount namespace did not come up: $(cat "$LAB_TMP/mntns.log")"
    sleep 0.05
done
in_mntns() { nsenter --target "$HOLDER" --mount --net -- "$@"; }
ORIGINAL="$(in_mntns cat /etc/hosts)"

SST_LOG="$LAB_TMP/hostile.log" SST_ROLE=client
started=$SECONDS
nsenter --target "$HOLDER" --mount --net -- env --default-signal=INT "$SSHUTTLE_BIN" -v -r "root@$SERVER_V4" \
    -e "$LAB_SSH_CMD" --method "$SSHUTTLE_METHOD" -N -H \
    --server-cmd "$LAB_PY $LAB_DIR_SRC/hostile_server.py $HOSTS_COUNT" >"$SST_LOG" 2>&1 &
SST_PID=$!
LAB_PIDS+=("$SST_PID")

# All 10,000 names arrive (bounded wait; the figure goes into the log).
deadline=$((SECONDS + 120))
until [[ "$(in_mntns grep -c 'flood-.*AUTOCREATED' /etc/hosts || true)" == "$HOSTS_COUNT" ]]; do
    sst_alive || lab_fail "the client exited (status $(sst_status)) while the hosts arrived"
    ((SECONDS < deadline)) || lab_fail "not all $HOSTS_COUNT names reached /etc/hosts in 120 s"
    sleep 0.2
done
lab_log "$HOSTS_COUNT names in the client's /etc/hosts $((SECONDS - started)) s after the start"
hosts_now="$(in_mntns cat /etc/hosts)"
for bad in 'two words' 'red' 'LocalHost' 'github.com'; do
    [[ "$hosts_now" != *"$bad"* ]] || lab_fail "'$bad' reached the client's /etc/hosts"
done
grep -qF "ignoring host 'two words,203.0.113.66' from the server: not a valid host name" "$SST_LOG" ||
    lab_fail "no warning naming the host name with a space"
grep -qF "ignoring host '\\x1b[31mred\\x1b[0m,203.0.113.66' from the server" "$SST_LOG" ||
    lab_fail "no escaped warning for the name with an escape sequence"
! grep -q $'\x1b' "$SST_LOG" || lab_fail "an escape sequence from the server reached the client's log unescaped"
grep -qF '\x1b[2J\x1b[31mremote stderr\x1b[0m\x0dc : forged line' "$SST_LOG" ||
    lab_fail "the server's stderr was not shown escaped"
grep -qF "ignoring host 'LocalHost,203.0.113.66' from the server: localhost is never redirected" "$SST_LOG" ||
    lab_fail "LocalHost was not refused"
lab_pass "bad names are refused with escaped warnings; $HOSTS_COUNT good ones are in /etc/hosts"

grep -qF -- "-N: capturing the server's routes: 0.0.0.0/0" "$SST_LOG" || lab_fail "the client did not say what -N installs"
grep -qF -- "-N: ignoring the server's route 127.0.0.0/8: loopback is never captured" "$SST_LOG" ||
    lab_fail "the loopback route was not refused"
sst_rules client | grep -q -- '127.0.0.0/8.*RETURN\|127.0.0.0/8.*return' || {
    sst_rules client >&2
    lab_fail "no exclusion of 127.0.0.0/8 among the rules (above)"
}
# A loopback round trip still reaches the local service, not the tunnel (whose server refuses every connection).
lab_spawn client "$LAB_TMP/local_echo.log" "$LAB_PY" "$LAB_DIR_SRC/echo_server.py" 7071
lab_wait_listen client 7071
out="$(lab_in client "$LAB_PY" -c '
import socket
s = socket.create_connection(("127.0.0.1", 7071), timeout=5)
s.sendall(b"loopback\n")
print(s.recv(100).decode().strip())')" || true
[[ "$out" == *loopback* ]] || lab_fail "a loopback connection was captured (answer: '$out')"
lab_pass "-N: 0.0.0.0/0 is captured, loopback is not"

# The session is intact: the manager did not drop the rules over a bad name.
sst_alive || lab_fail "the client died"
[[ -n "$(sst_rules client)" ]] || lab_fail "the rules are gone while the client runs"
kill -INT "$SST_PID"
sst_wait_exit 60
((SST_RC == 0)) || lab_fail "the client exited with status $SST_RC after SIGINT"
sst_wait_rules_gone client
[[ "$(in_mntns cat /etc/hosts)" == "$ORIGINAL" ]] || lab_fail "the client's /etc/hosts was not restored"
[[ "$(sha256sum /etc/hosts)" == "$REAL_HOSTS_SUM" ]] || lab_fail "the machine's real /etc/hosts changed"
lab_pass "hostile_server"
