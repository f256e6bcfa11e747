#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# --namespace-pid: the client is started in the host namespace and moves itself (and so the firewall manager and
# ssh) into the lab's client namespace. The tunnel works there and the host namespace gets no rule.
# A namespace that cannot be entered is a one-line error naming it.
set -euo pipefail
LAB_FIXTURE_MB=0
source "$(dirname "$0")/lib/lab.sh"
lab_setup

# A process that lives in the client namespace, to name that namespace by pid.
lab_spawn client "$LAB_TMP/anchor.log" sleep 600
anchor=$LAB_LAST_PID
# `ip netns exec` switches namespace after it starts: wait until the anchor really is in the client namespace,
# or the client would stay in the host namespace and send its ssh connection out of the lab.
client_ns="$(lab_in client readlink /proc/self/ns/net)"
deadline=$((SECONDS + 10))
until [[ "$(readlink "/proc/$anchor/ns/net" 2>/dev/null)" == "$client_ns" ]]; do
    ((SECONDS < deadline)) || lab_fail "the anchor process never entered the client namespace"
    sleep 0.05
done

SST_LOG="$LAB_TMP/namespace.log" SST_ROLE=client
"$SSHUTTLE_BIN" -v --namespace-pid "$anchor" -r "root@$SERVER_V4" -e "$LAB_SSH_CMD" --method "$SSHUTTLE_METHOD" \
    "$PRIVATE_V4" >"$SST_LOG" 2>&1 &
SST_PID=$!
LAB_PIDS+=("$SST_PID")

sst_wait_tunnel "$TARGET_V4"
seen="$(sst_expect_proxied client "$TARGET_V4")"
[[ "$seen" == 198.51.100.1 ]] || lab_fail "the target saw '$seen', expected the ssh server's private address"
if iptables-save 2>/dev/null | grep -q "sshuttle-"; then
    lab_fail "the host namespace got sshuttle rules; they belong in the client namespace"
fi
lab_pass "--namespace-pid: tunnel up inside the client namespace, nothing in the host namespace"
sst_stop

rc=0
out="$("$SSHUTTLE_BIN" --namespace-pid 999999999 -r "root@$SERVER_V4" "$PRIVATE_V4" 2>&1)" || rc=$?
[[ $rc -ne 0 && "$out" == *"/proc/999999999/ns/net"* && $(wc -l <<<"$out") -eq 1 ]] ||
    lab_fail "a missing namespace should be a one-line error naming it (status $rc): $out"
lab_pass "a missing namespace is reported: $out"
lab_pass "namespace"
