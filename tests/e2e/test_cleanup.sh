#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# No sshuttle firewall rule may be left in the client namespace, however the client ends: SIGINT (normal exit),
# SIGTERM, SIGKILL of the client, its ssh killed, the remote server process killed (those two with --no-reconnect:
# by default the client reconnects instead, see test_reconnect.sh).
set -euo pipefail
source "$(dirname "$0")/lib/lab.sh"
LAB_FIXTURE_MB=0 lab_setup

start_and_check_rules() {
    sst_start_remote "cleanup-$1" "${@:2}" "$PRIVATE_V4" "$PRIVATE_V6"
    sst_wait_tunnel "$TARGET_V4"
    [[ -n "$(sst_rules client)" ]] || lab_fail "$1: the tunnel works but no sshuttle rule is visible"
}

# After the client is gone, nothing of it may be left running in the client namespace either.
expect_clean() {
    sst_wait_rules_gone client 20
    local deadline=$((SECONDS + 20))
    while [[ -n "$(ssh_pids)" ]] || pgrep -f -- "--firewall" | grep -qxF -f <(ip netns pids "sst-c-$LAB_ID"); do
        ((SECONDS < deadline)) || lab_fail "$1: processes of the client are still running in its namespace"
        sleep 0.05
    done
    lab_pass "$1: rules restored (client exit status $SST_RC)"
}

start_and_check_rules sigint
kill -INT "$SST_PID"
sst_wait_exit 20
expect_clean sigint

start_and_check_rules sigterm
kill -TERM "$SST_PID"
sst_wait_exit 20
expect_clean sigterm

start_and_check_rules sigkill
kill -KILL "$SST_PID"
sst_wait_exit 20
expect_clean sigkill  # includes: the orphaned ssh notices its closed stdin and exits

# The ssh connection dies: the client's ssh process is killed, or with the built-in transport (no ssh process)
# the sshd session process that serves it, which closes the TCP connection under the client.
sshd_session_pids() {
    local p
    for p in $(ip netns pids "sst-s-$LAB_ID"); do
        [[ "$(cat "/proc/$p/cmdline" 2>/dev/null | tr '\0' ' ')" == "sshd: root"* ]] && echo "$p"
    done
    return 0
}

start_and_check_rules ssh-killed --no-reconnect
if [[ $SSHUTTLE_E2E_TRANSPORT == builtin ]]; then
    pids="$(sshd_session_pids)"
    [[ -n "$pids" ]] || lab_fail "ssh-killed: no sshd session serves the client"
else
    pids="$(ssh_pids)"
    [[ -n "$pids" ]] || lab_fail "ssh-killed: the client runs no ssh process"
fi
kill -KILL $pids
sst_wait_exit 30
((SST_RC != 0)) || lab_fail "ssh-killed: the client exited with status 0 after losing its ssh"
expect_clean ssh-killed

start_and_check_rules server-killed --no-reconnect
pids="$(server_pids)"
[[ -n "$pids" ]] || lab_fail "server-killed: no server process found in the server namespace"
kill -KILL $pids
sst_wait_exit 30
((SST_RC != 0)) || lab_fail "server-killed: the client exited with status 0 after losing its server"
expect_clean server-killed

lab_pass "cleanup"
