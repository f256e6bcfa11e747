#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# `sshuttle status`: during a (rate-limited) download through the tunnel, `status` and `status --json` show the
# connection with its original destination and byte counts that grow between two calls; another user (nobody)
# finds no client and is refused on the socket itself; garbage, unknown requests and a huge line on the control
# socket get an error line while the tunnel and the status keep working; a root client run with SUDO_UID
# answers that user.
# The client runs in a private mount namespace with its own tmpfs on /run/sshuttle, so only this test's client
# is there (other clients on the machine do not show up); every status command enters that namespace.
set -euo pipefail
source "$(dirname "$0")/lib/lab.sh"
LAB_FIXTURE_MB=64 lab_setup

mkdir -p /run/sshuttle  # the mount point; the client's namespace mounts a tmpfs over it
SST_WRAPPER=(unshare -m --propagation private sh -c
    'mount -t tmpfs -o mode=0755 sshuttle-status-test /run/sshuttle && exec "$@"' sh)
sst_start_remote status "$PRIVATE_V4" "$PRIVATE_V6"
sst_wait_tunnel "$TARGET_V4"
SOCKET=/run/sshuttle/$SST_PID.sock
chmod o+x "$LAB_TMP"  # nobody runs a helper script from here

# in_client_mounts CMD...: CMD in the client's mount namespace (its /run/sshuttle), as root.
in_client_mounts() { nsenter -t "$SST_PID" -m -- "$@"; }
# as_nobody CMD...: the same as the unprivileged user nobody.
as_nobody() { in_client_mounts setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups "$@"; }

in_client_mounts test -S "$SOCKET" || lab_fail "no control socket at $SOCKET: $(in_client_mounts ls -la /run/sshuttle)"
mode=$(in_client_mounts stat -c '%a %U' "$SOCKET")
[[ $mode == "600 root" ]] || lab_fail "control socket $SOCKET is '$mode', expected '600 root'"
lab_pass "status: control socket $SOCKET, mode 600, owned by root"

# A slow download: 64 MB at 256 KB/s keeps one connection busy for minutes (killed at the end), so a loaded
# machine cannot let it finish between two status calls. It is larger than what the kernel buffers on the way:
# with ssh's own forwards the connection leaves the status once the server's last byte is in the
# application's socket buffers (ssh ends a stdio forward at the remote's EOF), and here those hold 15 MB.
lab_spawn client "$LAB_TMP/download.log" curl -sS --limit-rate 256K -o /dev/null \
    "$(sst_url "$TARGET_V4" "$HTTP_PORT" /big.bin)"
DOWNLOAD=$LAB_LAST_PID

# bytes_down_to DEST JSON: the bytes received on the open connection to DEST, or nothing.
bytes_down_to() {
    "$LAB_PY" -c '
import json, sys
status = json.loads(sys.argv[2])
for c in status["connections"]:
    if c["destination"] == sys.argv[1]:
        print(c["bytes_down"]); break
' "$1" "$2"
}
DEST="$TARGET_V4:$HTTP_PORT"
deadline=$((SECONDS + 30))
first=""
while [[ -z $first ]]; do
    ((SECONDS < deadline)) || lab_fail "status --json never showed a connection to $DEST: $json"
    kill -0 "$DOWNLOAD" 2>/dev/null || lab_fail "the download ended before status saw it: $(cat "$LAB_TMP/download.log")"
    json=$(in_client_mounts "$SSHUTTLE_BIN" status --json) || lab_fail "sshuttle status --json failed: $json"
    first=$(bytes_down_to "$DEST" "$json")
    [[ -n $first && $first -gt 0 ]] || { first=""; sleep 0.2; }
done
lab_pass "status --json: the download's connection to $DEST, $first bytes down"

# Between two calls the count grows (wait for the growth, bounded).
deadline=$((SECONDS + 20))
second=$first
while ((second <= first)); do
    ((SECONDS < deadline)) || lab_fail "bytes down to $DEST stayed at $first"
    sleep 0.5
    json=$(in_client_mounts "$SSHUTTLE_BIN" status --json)
    second=$(bytes_down_to "$DEST" "$json")
    [[ -n $second ]] || lab_fail "the connection to $DEST left the status: $json"
done
lab_pass "status --json: bytes down to $DEST grew from $first to $second"

"$LAB_PY" - "$json" "$SST_PID" <<'PY' || lab_fail "status --json is missing facts: $json"
import json, sys
s = json.loads(sys.argv[1])
assert s["pid"] == int(sys.argv[2]), s["pid"]
assert s["state"] == "up", s["state"]
assert s["method"] in ("nat", "nft", "tproxy"), s["method"]
assert s["remote"] == "root@192.0.2.2", s["remote"]
assert "198.51.100.0/24" in s["subnets"], s["subnets"]
assert s["bytes_down"] >= s["connections"][0]["bytes_down"] > 0
assert s["connections_opened"] >= 2  # the tunnel probe and the download
assert s["rtt_ms"] is not None and s["rtt_ms"] >= 0, s["rtt_ms"]
assert s["rate_down"] > 0, s["rate_down"]
PY
lab_pass "status --json: pid, state up, method, remote, subnets, totals, RTT and rate"

page=$(in_client_mounts "$SSHUTTLE_BIN" status) || lab_fail "sshuttle status failed: $page"
grep -q -- "-> $DEST  age " <<<"$page" || lab_fail "sshuttle status does not show the connection to $DEST: $page"
grep -q "^  state        up since" <<<"$page" || lab_fail "sshuttle status does not say 'up since': $page"
grep -q "^  keepalive    RTT [0-9.]* ms" <<<"$page" || lab_fail "sshuttle status shows no RTT: $page"
lab_log "sshuttle status said:"
printf '%s\n' "$page" >&2
lab_pass "status: the human page shows the connection to $DEST, the state and the RTT"

# Another user: finds no client, and is refused on the socket itself.
rc=0
out=$(as_nobody "$SSHUTTLE_BIN" status 2>&1) || rc=$?
[[ $rc -eq 1 && $out == *"no running sshuttle client found"* ]] ||
    lab_fail "nobody's sshuttle status (status $rc) found something: $out"
rc=0
out=$(as_nobody "$SSHUTTLE_BIN" status --socket "$SOCKET" 2>&1) || rc=$?
[[ $rc -eq 1 && $out == *"Permission denied"* ]] ||
    lab_fail "nobody's sshuttle status --socket $SOCKET (status $rc) was not refused: $out"
lab_pass "status: another user sees no client and gets 'Permission denied' on the socket"

# Garbage on the socket: an error line each, never a crash; the tunnel and the status keep working.
ask_raw() {  # ask_raw PYTHON-BYTES-EXPRESSION: send those bytes, print the reply
    in_client_mounts "$LAB_PY" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect(sys.argv[1])
try:
    s.sendall(eval(sys.argv[2]))  # expressions from this script only
except (BrokenPipeError, ConnectionResetError):
    pass
reply = b""
try:
    while True:
        chunk = s.recv(4096)
        if not chunk: break
        reply += chunk
except ConnectionResetError:
    pass
print(reply.decode(errors="replace"), end="")
' "$SOCKET" "$1"
}
out=$(ask_raw 'b"\x00\xff\x16\x03garbage\n"')
[[ $out == '{"error":"request has control or non-ASCII bytes: '* ]] || lab_fail "garbage got: '$out'"
out=$(ask_raw 'b"shutdown\n"')
[[ $out == '{"error":"unknown request '"'shutdown'"' (known: status, ping)"}' ]] || lab_fail "unknown request got: '$out'"
out=$(ask_raw 'b"A" * 1000000')
[[ -z $out || $out == '{"error":"request too long'* ]] || lab_fail "a 1 MB line got: '$out'"
sst_alive || lab_fail "the client died after garbage on its control socket"
sst_expect_proxied client "$TARGET_V4" >/dev/null
in_client_mounts "$SSHUTTLE_BIN" status --json >/dev/null || lab_fail "status failed after the garbage"
kill -0 "$DOWNLOAD" 2>/dev/null && lab_log "the download is still running, as it should"
lab_pass "status: garbage, unknown and huge requests get an error; the tunnel and the status keep working"

kill "$DOWNLOAD" 2>/dev/null || true
sst_stop

# A root client started through sudo gives its socket to the sudo user (SUDO_UID): nobody may ask this one.
nobody_uid=$(id -u nobody)
SST_WRAPPER=(env "SUDO_UID=$nobody_uid" "${SST_WRAPPER[@]}")
sst_start_remote status-sudo "$PRIVATE_V4"
sst_wait_tunnel "$TARGET_V4"
SOCKET=/run/sshuttle/$SST_PID.sock
mode=$(in_client_mounts stat -c '%a %u' "$SOCKET")
[[ $mode == "600 $nobody_uid" ]] || lab_fail "under sudo the socket is '$mode', expected '600 $nobody_uid'"
json=$(as_nobody "$SSHUTTLE_BIN" status --json) || lab_fail "the sudo user could not ask its client: $json"
"$LAB_PY" -c 'import json, sys; s = json.loads(sys.argv[1]); assert s["pid"] == int(sys.argv[2]), s' \
    "$json" "$SST_PID" || lab_fail "the sudo user got another answer: $json"
lab_pass "status: a root client under sudo answers the sudo user (socket 600, owned by SUDO_UID)"
sst_stop
lab_pass "status"
