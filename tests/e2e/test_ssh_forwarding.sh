#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# TCP carried by SSH's own forwarding (issue 17), so sshd itself connects to the destination (as for ssh -L). With
# -e ssh the client hands each connection to its ssh master as a stdio forward; with the built-in transport
# (SSHUTTLE_E2E_TRANSPORT=builtin) libssh2 opens a direct-tcpip channel for it (forward_tcp, ABI 1.4):
#   1. downloads and uploads arrive intact, v4 and v6; a client that half-closes gets its answer (upload), and a
#      server that closes first is seen to close by an application that keeps its own side open (the EOF must
#      come through ssh's pipe to the socket); what the application sends after a server's half-close is carried
#      by libssh2's forwards, not by ssh's (documented);
#   2. the destination's peer is sshd, not the sshuttle server, and the client logged the forwards; with the ssh
#      program, ssh's own connection to sshd was made by `sshuttle ssh-connect`, with its TCP_NOTSENT_LOWAT;
#   3. 8 parallel downloads intact, each on its own forward;
#   4. a server that does not forward (AllowTcpForwarding no, sshd reloaded): connections still work, through the
#      sshuttle server, and the client says that it stopped asking;
#   5. (ssh program) an ssh configuration with its own ControlMaster/ControlPath: that master forwards them;
#   6. --no-ssh-forwarding: the sshuttle server carries everything, also what the application sends after a
#      server's half-close (which a forward does not: OpenSSH ends it at the remote's EOF, checked in 1.).
set -euo pipefail
source "$(dirname "$0")/lib/lab.sh"
LAB_FIXTURE_MB=8 lab_setup
STREAMS=8
HALF_CLOSE_PORT=7100
lab_spawn target "$LAB_TMP/half_close.log" "$LAB_PY" "$LAB_DIR_SRC/half_close_server.py" "$HALF_CLOSE_PORT"
lab_wait_listen target "$HALF_CLOSE_PORT"

log_count() { grep -c -- "$1" "$SST_LOG" || true; }
builtin=false
[[ ${SSHUTTLE_E2E_TRANSPORT:-} == builtin ]] && builtin=true
forwarded_line="ssh forwards the connection"
$builtin && forwarded_line="the transport forwards the connection"

# The process on the server side that holds a connection to the echo server, while held_echo.py keeps one open.
echo_peer_comm() {
    lab_in client "$LAB_PY" "$LAB_DIR_SRC/held_echo.py" "$TARGET_V4" "$ECHO_PORT" 3 >"$LAB_TMP/held.out" 2>&1 &
    local held=$! pid="" deadline=$((SECONDS + 10))
    while ((SECONDS < deadline)) && [[ -z $pid ]]; do
        pid=$(lab_in server ss -Htnp state established "( dport = :$ECHO_PORT )" | grep -o 'pid=[0-9]*' |
            head -n 1 | cut -d= -f2 || true)
        [[ -n $pid ]] || sleep 0.2
    done
    [[ -n $pid ]] && cat "/proc/$pid/comm"
    wait "$held" || lab_fail "the held echo connection failed: $(cat "$LAB_TMP/held.out")"
}

# A server-first half-close: the server says bye and shuts its side, the application then sends 1000 bytes.
# Prints how many the server got.
after_server_eof() {
    local said
    said=$(lab_in client "$LAB_PY" "$LAB_DIR_SRC/send_after_eof.py" "$TARGET_V4" "$HALF_CLOSE_PORT" 1000) ||
        lab_fail "the half-close client failed"
    [[ $said == bye ]] || lab_fail "the half-closing server's words came as '$said'"
    sleep 0.5
    tail -n 1 "$LAB_TMP/half_close.log"
}

eof_checks() {
    local host body
    for host in "$TARGET_V4" "$TARGET_V6"; do
        body=$(lab_in client "$LAB_PY" "$LAB_DIR_SRC/read_to_eof.py" "$host" "$HTTP_PORT" /index.txt 10) ||
            lab_fail "the server's close did not reach the application ($host)"
        [[ $body == "hello from the target" ]] || lab_fail "read to EOF via $host returned '$body'"
    done
}

# 1. and 2.
sst_start_remote forwarding "$PRIVATE_V4" "$PRIVATE_V6"
sst_wait_tunnel "$TARGET_V4"
sst_transfer_checks client "$TARGET_V4"
sst_transfer_checks client "$TARGET_V6"
lab_pass "download and half-closed upload intact through ssh's forwards (v4, v6)"
eof_checks
lab_pass "a server's close reaches an application that keeps its side open (v4, v6)"
# OpenSSH ends a stdio forward at the remote's EOF (force_drain): what the application sends after it is not
# carried. The documented limit of ssh's forwards (README, docs/mux-extension.md); step 6 shows the mux carries
# it. libssh2's forwards keep the application's side open until it closes it, as `ssh -L` does.
got=$(after_server_eof)
if $builtin; then
    [[ $got == "got 1000" ]] || lab_fail "after the server's half-close, libssh2's forward carried '$got'"
    lab_pass "server-first half-close through libssh2's forward: the application's last bytes arrive ($got)"
else
    [[ $got == "got 0" ]] || lab_fail "after the server's half-close, a forward carried '$got' (documented: nothing)"
    lab_pass "server-first half-close through a forward: the documented limit holds ($got)"
fi
comm=$(echo_peer_comm)
[[ $comm == sshd ]] || lab_fail "the echo server's peer is '$comm', expected sshd (a direct-tcpip channel)"
forwards=$(log_count "$forwarded_line")
((forwards >= 6)) || lab_fail "the client logged $forwards forwards, expected one per connection"
lab_pass "the destination's peer is sshd; $forwards connections forwarded by SSH"
if ! $builtin; then
    # ssh's own TCP connection was made by `sshuttle ssh-connect` and carries its unsent-bytes limit (the
    # kernel's figure, read from ssh's descriptor; transport/ssh_connect.hpp).
    grep -q "ssh's TCP connection is made by .* ssh-connect" "$SST_LOG" || lab_fail "the client did not log ssh-connect"
    lowats=""
    for pid in $(sst_pid_tree "$SST_PID"); do
        [[ $(cat "/proc/$pid/comm" 2>/dev/null) == ssh ]] || continue
        lowats+=$("$LAB_PY" "$LAB_DIR_SRC/socket_notsent_lowat.py" "$pid" 22)
    done
    [[ $lowats == 131072 ]] ||
        lab_fail "ssh's connection to sshd has TCP_NOTSENT_LOWAT '$lowats', expected 131072"
    lab_pass "ssh's connection to sshd was made by ssh-connect, with TCP_NOTSENT_LOWAT $lowats"
fi

# 3. Parallel downloads, each its own forward.
pids=()
for ((i = 0; i < STREAMS; i++)); do
    (lab_in client curl -sS --max-time 120 "$(sst_url "$TARGET_V4" "$HTTP_PORT" /big.bin)" | sha256sum |
        cut -d' ' -f1 >"$LAB_TMP/down.$i") &
    pids+=($!)
done
wait "${pids[@]}"  # not a bare wait: the lab's services are this shell's children too
for ((i = 0; i < STREAMS; i++)); do
    [[ "$(cat "$LAB_TMP/down.$i")" == "$LAB_FIXTURE_SHA" ]] || lab_fail "parallel download $i arrived damaged"
done
lab_pass "$STREAMS parallel downloads intact"
sst_stop

# 4. A server that does not forward: sshd re-reads its configuration at SIGHUP (same pid, same socket).
echo "AllowTcpForwarding no" >>"$LAB_TMP/ssh/sshd_config"
kill -HUP "$(sshd_pids | head -n 1)"
sleep 1
lab_wait_listen server 22
sst_start_remote refused "$PRIVATE_V4" "$PRIVATE_V6"
sst_wait_tunnel "$TARGET_V4"
for ((i = 0; i < 4; i++)); do sst_expect_proxied client "$TARGET_V4" >/dev/null; done
sst_transfer_checks client "$TARGET_V4"
eof_checks
grep -q "opened none (AllowTcpForwarding no?)" "$SST_LOG" ||
    lab_fail "the client did not say that it stopped asking ssh to forward"
comm=$(echo_peer_comm)
[[ $comm == sshuttle-serve* ]] || lab_fail "the echo server's peer is '$comm', expected the sshuttle server"
lab_pass "sshd refuses forwarding: connections go through the sshuttle server, intact"
sst_stop

# 5. The user's ssh configuration shares connections itself: its master forwards the connections.
sed -i '/^AllowTcpForwarding no$/d' "$LAB_TMP/ssh/sshd_config"
kill -HUP "$(sshd_pids | head -n 1)"
sleep 1
lab_wait_listen server 22
if ! $builtin; then
cp "$LAB_SSH_CONFIG" "$LAB_TMP/ssh_config.shared"
printf '    ControlMaster auto\n    ControlPath %s/cm-%%C\n    ControlPersist no\n' "$LAB_TMP" >>"$LAB_TMP/ssh_config.shared"
sst_start client shared -r "root@$SERVER_V4" -e "ssh -F $LAB_TMP/ssh_config.shared" --method "$SSHUTTLE_METHOD" \
    "$PRIVATE_V4"
sst_wait_tunnel "$TARGET_V4"
sst_transfer_checks client "$TARGET_V4"
((($(log_count "ssh forwards the connection")) >= 2)) || lab_fail "the configuration's master forwarded nothing"
comm=$(echo_peer_comm)
[[ $comm == sshd ]] || lab_fail "with the configuration's master, the echo server's peer is '$comm'"
lab_pass "the ssh configuration's own ControlMaster forwards the connections"
sst_stop
fi

# 6. --no-ssh-forwarding.
sst_start_remote nofwd --no-ssh-forwarding "$PRIVATE_V4"
sst_wait_tunnel "$TARGET_V4"
sst_transfer_checks client "$TARGET_V4"
got=$(after_server_eof)
[[ $got == "got 1000" ]] || lab_fail "--no-ssh-forwarding: after the server's half-close the mux carried '$got'"
((($(log_count "$forwarded_line")) == 0)) || lab_fail "--no-ssh-forwarding: SSH forwarded connections"
comm=$(echo_peer_comm)
[[ $comm == sshuttle-serve* ]] || lab_fail "--no-ssh-forwarding: the echo server's peer is '$comm'"
lab_pass "--no-ssh-forwarding: the sshuttle server carries every connection"
sst_stop
