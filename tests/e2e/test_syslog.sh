#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# --syslog: every process's log lines go to syslog (ident sshuttle, facility daemon): the client's ("c:"), the
# firewall manager's ("fw:") and the server's ("s:", which arrive on ssh's stderr and are forwarded).
# -D implies it. The test owns /dev/log: it runs in a private mount namespace with a tmpfs /dev of its own, so
# nothing outside sees the socket and no other process's syslog lines reach it.
set -euo pipefail
if [[ -z "${SST_SYSLOG_PRIVATE_NS:-}" ]]; then
    exec unshare --mount --propagation private env SST_SYSLOG_PRIVATE_NS=1 bash "$0" "$@"
fi
source "$(dirname "$0")/lib/lab.sh"

# A private /dev: a tmpfs with the few devices the lab needs bound in from the real one, plus our /dev/log.
private_dev() {
    local real
    real="$(mktemp -d /tmp/sst-realdev.XXXXXX)"
    mount --rbind /dev "$real"
    mount -t tmpfs -o mode=755 sst-dev /dev
    local n
    for n in null zero full random urandom tty ptmx; do
        [[ -e "$real/$n" ]] || continue
        touch "/dev/$n"
        mount --bind "$real/$n" "/dev/$n"
    done
    for n in pts shm net; do
        [[ -d "$real/$n" ]] || continue
        mkdir "/dev/$n"
        mount --rbind "$real/$n" "/dev/$n"
    done
    ln -s /proc/self/fd /dev/fd
    ln -s /proc/self/fd/0 /dev/stdin
    ln -s /proc/self/fd/1 /dev/stdout
    ln -s /proc/self/fd/2 /dev/stderr
    umount -l "$real"
    rmdir "$real"
}
private_dev

LAB_FIXTURE_MB=0 lab_setup
SYSLOG="$LAB_TMP/syslog.txt"
: >"$SYSLOG"
# The syslog daemon: one line per datagram (glibc's syslog() sends "<PRI>timestamp ident[pid]: message").
"$LAB_PY" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
with open(sys.argv[1], "a") as out:
    while True:
        out.write(s.recv(65536).decode(errors="replace").replace("\n", " ") + "\n")
        out.flush()
' "$SYSLOG" &
LAB_PIDS+=("$!")
deadline=$((SECONDS + 20))
until [[ -S /dev/log ]]; do
    ((SECONDS < deadline)) || lab_fail "the test syslog listener did not start"
    sleep 0.05
done

# wait_syslog REGEX [TIMEOUT]: poll until a syslog line matches.
wait_syslog() {
    local regex=$1 timeout_s=${2:-30}
    local deadline=$((SECONDS + timeout_s))
    until grep -qE -- "$regex" "$SYSLOG"; do
        ((SECONDS < deadline)) || lab_fail "no syslog line matching '$regex' after ${timeout_s}s: $(cat "$SYSLOG")"
        sleep 0.05
    done
}

# Facility daemon (3): PRI is 3*8 + severity, i.e. 24..31.
DAEMON_PRI='^<(2[4-9]|3[01])>'

# 1. --syslog in the foreground: client, firewall manager and server all log there, and not to stderr. The
# server's line for a connection is the one looked for, so connections go through it (--no-ssh-forwarding).
sst_start_remote syslog --syslog --no-ssh-forwarding "$PRIVATE_V4"
sst_wait_tunnel "$TARGET_V4"
wait_syslog "${DAEMON_PRI}.* sshuttle\[[0-9]+\]: c: Connected to server\.$"
wait_syslog "${DAEMON_PRI}.* sshuttle\[[0-9]+\]: fw: "
sst_expect_proxied client "$TARGET_V4" >/dev/null
# The server's lines come through ssh's stderr, which the client forwards to syslog.
wait_syslog "${DAEMON_PRI}.* sshuttle\[[0-9]+\]: s: channel [0-9]+: connecting to \[$TARGET_V4\]:$ECHO_PORT$"
if grep -q "Connected to server" "$SST_LOG"; then lab_fail "with --syslog the client still logs to stderr"; fi
sst_stop
wait_syslog "${DAEMON_PRI}.* sshuttle\[[0-9]+\]: fw: .*(restor|closed)"
lab_pass "syslog: client, firewall manager and server lines, facility daemon, ident sshuttle:"
grep -E ': (c|fw|s): ' "$SYSLOG" | sed -E 's/^<[0-9]+>[A-Z][a-z]{2} [ 0-9:]+ //' | awk '!seen[$2]++' | cut -c1-150 | head -n 6 >&2

# 2. -D implies --syslog: once detached, the daemon's lines go to syslog.
: >"$SYSLOG"
(cd "$LAB_TMP" && timeout 120 ip netns exec "sst-c-$LAB_ID" "$SSHUTTLE_BIN" -v -D -r "root@$SERVER_V4" \
    -e "$LAB_SSH_CMD" --no-ssh-forwarding --method "$SSHUTTLE_METHOD" "$PRIVATE_V4" >"$LAB_TMP/daemon.log" 2>&1) ||
    lab_fail "sshuttle -D failed: $(cat "$LAB_TMP/daemon.log")"
DAEMON_PID=$(cat "$LAB_TMP/sshuttle.pid")
wait_syslog "${DAEMON_PRI}.* sshuttle\[$DAEMON_PID\]: c: running as a daemon, pid $DAEMON_PID$"
sst_expect_proxied client "$TARGET_V4" >/dev/null
wait_syslog "${DAEMON_PRI}.* sshuttle\[[0-9]+\]: s: channel [0-9]+: connecting to \[$TARGET_V4\]:$ECHO_PORT$"
kill -TERM "$DAEMON_PID"
sst_wait_exit 30 "$DAEMON_PID"
sst_wait_rules_gone client 20
wait_syslog "${DAEMON_PRI}.* sshuttle\[$DAEMON_PID\]: c: "
lab_pass "syslog: -D logs to syslog after detaching (pid $DAEMON_PID)"
lab_pass "syslog"
