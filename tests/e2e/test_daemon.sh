#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# -D/--daemon: the command returns 0 only once the rules are in place (the tunnel works at once), the daemon
# runs detached (own session, cwd /) with the firewall manager as its own child, the pidfile (default
# ./sshuttle.pid, relative to the start directory) holds its pid and keeps a second instance out (status 5),
# SIGTERM to that pid removes the rules and the pidfile. Also: a stale pidfile is replaced, a start-up failure is
# the command's exit status with no pidfile left, and a plain user's daemon keeps its sudo-started manager.
set -euo pipefail
source "$(dirname "$0")/lib/lab.sh"
LAB_FIXTURE_MB=0 lab_setup

RUN_DIR="$LAB_TMP/run"
mkdir -p "$RUN_DIR"

# daemon_start LOG ARGS...: run `sshuttle -D` in the client namespace from RUN_DIR, in the foreground (it returns
# once the daemon is up); its exit status in DAEMON_RC.
daemon_start() {
    local log=$1; shift
    DAEMON_RC=0
    (cd "$RUN_DIR" && timeout 120 ip netns exec "sst-c-$LAB_ID" "$SSHUTTLE_BIN" -v -D -e "$LAB_SSH_CMD" \
        --method "$SSHUTTLE_METHOD" "$@" >"$LAB_TMP/$log.log" 2>&1) || DAEMON_RC=$?
}

# The pids in the client namespace whose command line contains the given word.
client_pids_with() {
    local p
    for p in $(ip netns pids "sst-c-$LAB_ID"); do
        tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -qF -- "$1" && echo "$p"
    done
    return 0
}

# daemon_stop PID PIDFILE: SIGTERM, then the daemon, its rules, its children and its pidfile must be gone.
daemon_stop() {
    local pid=$1 pidfile=$2
    kill -TERM "$pid"
    sst_wait_exit 30 "$pid"
    sst_wait_rules_gone client 20
    [[ ! -e "$pidfile" ]] || lab_fail "the pidfile $pidfile is still there after the daemon exited"
    local deadline=$((SECONDS + 20))
    while [[ -n "$(client_pids_with --firewall)$(client_pids_with "ssh -F")" ]]; do
        ((SECONDS < deadline)) || lab_fail "the daemon's firewall manager or ssh is still running"
        sleep 0.05
    done
}

# 1. Default pidfile, relative to the directory it was started from.
daemon_start daemon1 -r "root@$SERVER_V4" "$PRIVATE_V4" "$PRIVATE_V6"
((DAEMON_RC == 0)) || lab_fail "sshuttle -D exited with status $DAEMON_RC: $(cat "$LAB_TMP/daemon1.log")"
PIDFILE="$RUN_DIR/sshuttle.pid"
[[ -s "$PIDFILE" ]] || lab_fail "no pidfile $PIDFILE after sshuttle -D returned"
DAEMON_PID=$(cat "$PIDFILE")
sst_alive "$DAEMON_PID" || lab_fail "the pid $DAEMON_PID in $PIDFILE is not running"
grep -q "Connected to server" "$LAB_TMP/daemon1.log" ||
    lab_fail "the start-up log on the terminal lacks 'Connected to server': $(cat "$LAB_TMP/daemon1.log")"
lab_pass "daemon: sshuttle -D returned 0, pidfile $PIDFILE holds the running pid $DAEMON_PID"

# Returned 0 means the rules are in place: no polling here.
for host in "$TARGET_V4" "$TARGET_V6"; do sst_expect_proxied client "$host" >/dev/null; done
[[ -n "$(sst_rules client)" ]] || lab_fail "the tunnel works but no sshuttle rule is visible"
lab_pass "daemon: the tunnel works (IPv4 and IPv6) right after the command returned"

[[ "$(ps -o sid= -p "$DAEMON_PID" | tr -d ' ')" == "$DAEMON_PID" ]] || lab_fail "the daemon leads no session of its own"
[[ "$(readlink "/proc/$DAEMON_PID/cwd")" == / ]] || lab_fail "the daemon's working directory is not /"
[[ "$(readlink "/proc/$DAEMON_PID/fd/0")" == /dev/null ]] || lab_fail "the daemon's stdin is not /dev/null"
manager=$(client_pids_with --firewall)
[[ -n "$manager" ]] || lab_fail "no firewall manager running"
[[ "$(ps -o ppid= -p "$manager" | tr -d ' ')" == "$DAEMON_PID" ]] ||
    lab_fail "the firewall manager (pid $manager) is not the daemon's child"
lab_pass "daemon: own session, cwd /, stdin /dev/null, the firewall manager is its child"

# 2. A second instance with the same pidfile is refused, naming the file; the first keeps working.
daemon_start daemon2 -r "root@$SERVER_V4" "$PRIVATE_V4"
((DAEMON_RC == 5)) || lab_fail "a second sshuttle -D with a live pidfile exited with $DAEMON_RC, expected 5"
grep -qF "'$PIDFILE'" "$LAB_TMP/daemon2.log" || lab_fail "the refusal does not name the pidfile: $(cat "$LAB_TMP/daemon2.log")"
[[ "$(cat "$PIDFILE")" == "$DAEMON_PID" ]] || lab_fail "the refused instance changed the pidfile"
sst_expect_proxied client "$TARGET_V4" >/dev/null
lab_pass "daemon: a second instance is refused with status 5: $(tail -n 1 "$LAB_TMP/daemon2.log")"

# 3. SIGTERM to the pid in the pidfile: rules restored, pidfile removed.
daemon_stop "$DAEMON_PID" "$PIDFILE"
lab_pass "daemon: SIGTERM to the pidfile's pid removed the rules, the pidfile and its children"

# 4. A stale pidfile (its process is gone) is replaced with a warning; an absolute --pidfile elsewhere.
STALE="$LAB_TMP/stale.pid"
sh -c 'echo $$' >"$STALE"  # the pid of a process that has exited
daemon_start daemon3 --pidfile "$STALE" -r "root@$SERVER_V4" "$PRIVATE_V4"
((DAEMON_RC == 0)) || lab_fail "sshuttle -D over a stale pidfile exited with $DAEMON_RC: $(cat "$LAB_TMP/daemon3.log")"
grep -q "stale pidfile" "$LAB_TMP/daemon3.log" || lab_fail "no warning about the stale pidfile"
DAEMON_PID=$(cat "$STALE")
sst_expect_proxied client "$TARGET_V4" >/dev/null
daemon_stop "$DAEMON_PID" "$STALE"
lab_pass "daemon: a stale pidfile was replaced (with a warning)"

# 5. Start-up fails (nothing listens on port 2222): non-zero status, the error on the terminal, no pidfile, no rules.
daemon_start daemon4 --pidfile fail.pid -r "root@$SERVER_V4:2222" "$PRIVATE_V4"
((DAEMON_RC != 0)) || lab_fail "sshuttle -D to a closed port exited with status 0"
[[ ! -e "$RUN_DIR/fail.pid" ]] || lab_fail "a failed start left its pidfile"
[[ -s "$LAB_TMP/daemon4.log" ]] || lab_fail "a failed start printed nothing on the terminal"
[[ -z "$(sst_rules client)" ]] || lab_fail "a failed start left rules"
lab_pass "daemon: a failed start exits $DAEMON_RC, leaves no pidfile: $(tail -n 1 "$LAB_TMP/daemon4.log")"

# 6. A plain user: the firewall manager is started through sudo (allowed by the --sudoers-no-modify fragment, in a
# private mount namespace with a temporary /etc/sudoers.d, as test_sudo_client.sh does); the daemon keeps it.
user=nobody group=$(id -gn nobody)
home="$LAB_TMP/home-$user"
sudoers="$LAB_TMP/sudoers.d"
mkdir -p "$home/.ssh" "$home/run" "$sudoers"
cp "$LAB_SSH_KEY" "$home/.ssh/id"
sed "s|IdentityFile .*|IdentityFile $home/.ssh/id|" "$LAB_SSH_CONFIG" >"$home/.ssh/config"
chown -R "$user:$group" "$home"
chmod 700 "$home/.ssh"
"$SSHUTTLE_BIN" --sudoers-no-modify --sudoers-user "$user" >"$sudoers/sshuttle"
chmod 0440 "$sudoers/sshuttle"
chmod o+x "$LAB_TMP"
user_cmd="$(printf 'mount --bind %q /etc/sudoers.d && cd %q && exec setpriv --reuid=%q --regid=%q --clear-groups env -u SSHUTTLE_PLUGIN_PATH HOME=%q' \
    "$sudoers" "$home/run" "$user" "$group" "$home")"
user_cmd+="$(printf ' %q' "$SSHUTTLE_BIN" -v -D -r "root@$SERVER_V4" -e "ssh -F $home/.ssh/config" --method "$SSHUTTLE_METHOD" \
    "$PRIVATE_V4")"
DAEMON_RC=0
timeout 120 ip netns exec "sst-c-$LAB_ID" unshare -m --propagation private sh -c "$user_cmd" \
    >"$LAB_TMP/daemon-sudo.log" 2>&1 </dev/null || DAEMON_RC=$?
((DAEMON_RC == 0)) || lab_fail "sshuttle -D as $user exited with $DAEMON_RC: $(cat "$LAB_TMP/daemon-sudo.log")"
grep -q "starting the firewall manager: sudo " "$LAB_TMP/daemon-sudo.log" || lab_fail "the manager was not started through sudo"
DAEMON_PID=$(cat "$home/run/sshuttle.pid")
[[ "$(ps -o user= -p "$DAEMON_PID")" == "$user" ]] || lab_fail "the daemon does not run as $user"
sst_expect_proxied client "$TARGET_V4" >/dev/null
daemon_stop "$DAEMON_PID" "$home/run/sshuttle.pid"
lab_pass "daemon: as a plain user with the firewall manager through sudo; SIGTERM restored the rules"

lab_pass "daemon"
