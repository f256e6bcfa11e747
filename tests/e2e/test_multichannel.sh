#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# TCP spread over several SSH channels of one SSH connection (--max-channels, issue 17), on the transport
# SSHUTTLE_E2E_TRANSPORT picks (command = -e ssh with connection sharing, builtin = libssh2 exec channels):
#   1. 8 parallel downloads and 8 parallel uploads through the tunnel arrive intact (sha256), the client opens
#      more than one channel (its -v lines; server processes on the server side), and sshd logged exactly one
#      authentication for the whole tunnel;
#   2. 8 connections held open at once, then one extra channel's server is killed: only its connection is
#      reset, the others go on intact and the tunnel goes on;
#   3. --max-channels 1 keeps one channel;
#   4. on a short path (the lab's veth, well under 2 ms) one channel is enough: no other is opened.
# 1 to 3 run through a delay relay in front of sshd (5 ms each way): more channels are asked for only where one
# channel's window could cap the path (a round trip of 2 ms or more, EngineOptions::growth_rtt).
set -euo pipefail
source "$(dirname "$0")/lib/lab.sh"
LAB_FIXTURE_MB=8 lab_setup
STREAMS=8

# Pids of the server helpers (one per SSH channel), oldest first.
server_pids() {
    local p
    for p in $(ip netns pids "sst-s-$LAB_ID"); do
        # Field 22 of stat: the start time in clock ticks (comm, field 2, has no space here).
        [[ "$(cat "/proc/$p/comm" 2>/dev/null)" == sshuttle-serve* ]] && echo "$(awk '{print $22}' "/proc/$p/stat") $p"
    done | sort -n | awk '{print $2}'
    return 0
}

wait_servers_gone() {
    local deadline=$((SECONDS + 20))
    while [[ -n "$(server_pids)" ]]; do
        ((SECONDS < deadline)) || lab_fail "server processes still running 20 s after the client stopped: $(server_pids)"
        sleep 0.2
    done
}

log_count() { grep -c -- "$1" "$SST_LOG" || true; }
auth_count() { grep -c "Accepted publickey" "$LAB_TMP/sshd.log" || true; }

# parallel_downloads N [CURL ARGS...]: N downloads of the fixture at once; prints one "rc sha" line each.
parallel_downloads() {
    local n=$1 i pids=(); shift
    for ((i = 0; i < n; i++)); do
        (
            rc=0
            sha=$(lab_in client curl -sS --max-time 120 "$@" "$(sst_url "$TARGET_V4" "$HTTP_PORT" /big.bin)" \
                2>"$LAB_TMP/curl.$i.err" | sha256sum | cut -d' ' -f1) || rc=$?
            # curl's own status: the pipeline's is sha256sum's.
            grep -q . "$LAB_TMP/curl.$i.err" && rc=1
            echo "$rc $sha" >"$LAB_TMP/down.$i"
        ) &
        pids+=($!)
    done
    wait "${pids[@]}"  # not a bare wait: the lab's services may be this shell's children
    for ((i = 0; i < n; i++)); do cat "$LAB_TMP/down.$i"; done
}

# downloads_intact N: N parallel downloads, each complete and undamaged.
downloads_intact() {
    local bad=0 rc sha
    while read -r rc sha; do
        [[ $rc == 0 && $sha == "$LAB_FIXTURE_SHA" ]] || bad=$((bad + 1))
    done < <(parallel_downloads "$1")
    ((bad == 0)) || lab_fail "$bad of $1 parallel downloads failed or arrived damaged"
}

# The long path: the bench's delay relay in front of sshd, 5 ms each way.
lab_start_delay_relay "$SSHUTTLE_BUILD_DIR/bin/sshuttle-bench-delay-relay" 2222 5
short_ssh_cmd=$LAB_SSH_CMD short_ssh_config=$LAB_SSH_CONFIG
LAB_SSH_CMD="ssh -F $LAB_RELAY_SSH_CONFIG" LAB_SSH_CONFIG=$LAB_RELAY_SSH_CONFIG

# The mux's channels are under test: with either transport, TCP would otherwise ride SSH's own forwards
# (test_ssh_forwarding.sh).
no_forwards=(--no-ssh-forwarding)
auth_before=$(auth_count)
sst_start_remote multichannel "${no_forwards[@]}" "$PRIVATE_V4" "$PRIVATE_V6"
sst_wait_tunnel "$TARGET_V4"

# 1. Parallel transfers, intact, over several channels, one authentication.
downloads_intact "$STREAMS"
lab_pass "$STREAMS parallel downloads intact"
uploads=()
for ((i = 0; i < STREAMS; i++)); do
    lab_in client "$LAB_PY" "$LAB_DIR_SRC/upload.py" "$TARGET_V4" "$SINK_PORT" "$LAB_FIXTURE" >"$LAB_TMP/up.$i" &
    uploads+=($!)
done
wait "${uploads[@]}"  # not a bare wait: the lab's services are this shell's children too
for ((i = 0; i < STREAMS; i++)); do
    read -r up_sha up_bytes <"$LAB_TMP/up.$i" || true
    [[ "${up_sha:-}" == "$LAB_FIXTURE_SHA" ]] ||
        lab_fail "parallel upload $i: the sink got sha256 ${up_sha:-none} (${up_bytes:-0} bytes)"
done
lab_pass "$STREAMS parallel uploads intact"

opened=$(log_count "SSH channel [0-9]* is open")
servers=$(server_pids | wc -l)
((opened >= 1)) || lab_fail "the client opened no extra SSH channel for $STREAMS parallel transfers"
((servers >= 2)) || lab_fail "$servers server process(es) on the server side, expected more than one"
((servers <= 8)) || lab_fail "$servers server processes: more than --max-channels (8)"
lab_pass "$((opened + 1)) SSH channels in the client's log, $servers server processes"
auths=$(( $(auth_count) - auth_before ))
((auths == 1)) || { grep Accepted "$LAB_TMP/sshd.log" >&2; lab_fail "sshd logged $auths authentications, expected 1"; }
lab_pass "one authentication for the tunnel (sshd log)"
sst_alive || lab_fail "the client died (status $(sst_status))"
if [[ $SSHUTTLE_E2E_TRANSPORT != builtin ]] && grep -qw aes /proc/cpuinfo; then
    # The lab's ssh_config names no Ciphers: the tunnel's ssh is asked for AES-GCM first (fast_cipher.hpp).
    ssh_args=$(for p in $(ssh_pids); do tr '\0' ' ' <"/proc/$p/cmdline"; echo; done)
    [[ $ssh_args == *"-c aes128-gcm@openssh.com,"* ]] || lab_fail "the tunnel's ssh was not asked for AES-GCM: $ssh_args"
    lab_pass "the tunnel's ssh prefers AES-GCM (AES instructions, no configured ciphers)"
fi

# 2. One extra channel's server killed while 8 connections are held open: only its connection is reset. (Held
# echo connections, not downloads: a download may sit whole in the client's socket buffers within a second, and
# its server side be gone by then.)
held=()
for ((i = 0; i < STREAMS; i++)); do
    lab_in client "$LAB_PY" "$LAB_DIR_SRC/held_echo.py" "$TARGET_V4" "$ECHO_PORT" 12 >"$LAB_TMP/held.$i" 2>&1 &
    held+=($!)
done
# Each held connection's server side: a socket of a server helper to the echo server; the helper is its channel's.
deadline=$((SECONDS + 10))
while ((SECONDS < deadline)); do
    mapfile -t pids < <(server_pids)
    mapfile -t carriers < <(lab_in server ss -Htnp state established "( dport = :$ECHO_PORT )" |
        grep -o 'pid=[0-9]*' | cut -d= -f2)
    ((${#carriers[@]} == STREAMS)) && break
    sleep 0.2
done
((${#carriers[@]} == STREAMS)) || lab_fail "${#carriers[@]} of $STREAMS held connections reached the echo server"
spread=$(printf '%s\n' "${carriers[@]}" | sort -u | wc -l)
# Least loaded first: with every channel idle, each of them takes one.
((spread == ${#pids[@]})) ||
    lab_fail "the $STREAMS held connections ride $spread of the ${#pids[@]} channels (servers: ${carriers[*]})"
victim=$(printf '%s\n' "${carriers[@]}" | sort -u | grep -vxF "${pids[0]}" | head -n 1 || true)
[[ -n "$victim" ]] || lab_fail "no extra channel carries a held connection (servers: ${pids[*]})"
lab_log "killing the server helper $victim (of ${pids[*]}); the held connections ride $spread channels"
kill -KILL "$victim"
wait "${held[@]}" || true  # not a bare wait: the lab's services are this shell's children too
lost=$(printf '%s\n' "${carriers[@]}" | grep -cxF "$victim")
ok=0 failed=0
for ((i = 0; i < STREAMS; i++)); do
    if grep -q '^ok ' "$LAB_TMP/held.$i"; then ok=$((ok + 1)); else failed=$((failed + 1)); fi
done
# Exactly the victim's connections fail: a loss spread to others would show as more.
((failed == lost)) || lab_fail "$failed held connection(s) failed, but the killed channel carried $lost: $(cat "$LAB_TMP"/held.*)"
lab_pass "one extra channel lost: its $failed connection(s) reset, the other $ok went on intact"
sst_alive || lab_fail "the client died when an extra channel went (status $(sst_status))"
(($(log_count "lost the server connection") == 0)) || lab_fail "losing an extra channel was taken for the server's loss"
sst_transfer_checks client "$TARGET_V4"
lab_pass "the tunnel goes on after the loss"
sst_stop

# 3. --max-channels 1: one channel, one server.
wait_servers_gone
sst_start_remote one_channel --max-channels 1 "${no_forwards[@]}" "$PRIVATE_V4"
sst_wait_tunnel "$TARGET_V4"
parallel_downloads 4 >/dev/null
(($(log_count "SSH channel [0-9]* is open") == 0)) || lab_fail "--max-channels 1 opened another channel"
(($(server_pids | wc -l) == 1)) || lab_fail "--max-channels 1: $(server_pids | wc -l) server processes"
lab_pass "--max-channels 1 keeps one channel"
sst_stop

# 4. The short path: the same load, one channel.
wait_servers_gone
LAB_SSH_CMD=$short_ssh_cmd LAB_SSH_CONFIG=$short_ssh_config
sst_start_remote short_path "${no_forwards[@]}" "$PRIVATE_V4"
sst_wait_tunnel "$TARGET_V4"
downloads_intact "$STREAMS"
(($(log_count "SSH channel [0-9]* is open") == 0)) || lab_fail "the short path opened another SSH channel"
(($(server_pids | wc -l) == 1)) || lab_fail "short path: $(server_pids | wc -l) server processes"
(($(log_count "no more SSH channels while the round trip") == 1)) || lab_fail "the client did not say why it kept one channel"
lab_pass "short path: $STREAMS parallel downloads intact on one channel ($(grep -o 'round trip ([0-9-]* us' "$SST_LOG" | head -1)))"
sst_stop
lab_pass "multichannel"
