#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# -H/--auto-hosts: a name that only the server's /etc/hosts knows appears in the client's /etc/hosts (tagged with
# the instance's port), works by name through the tunnel, and is removed when the client ends: after SIGINT, and
# after SIGKILL (the firewall manager sees EOF). Two instances run at once and keep each other's lines.
#
# The machine's real /etc/hosts is never touched: the server namespace gets its own through
# /etc/netns/<ns>/hosts (bind-mounted by `ip netns exec` when sshd starts), and the clients run in a private
# mount namespace whose /etc is an overlay over the real one with its writes in a tmpfs. The overlay makes /etc
# itself the mount point, so the manager's rename() onto /etc/hosts works as on a normal system.
set -euo pipefail
source "$(dirname "$0")/lib/lab.sh"

TARGET_NAME=hw-target.sst.example   # only in the server's hosts file; the target's second network
PRIVATE_NAME=hw-private.sst.example
REAL_HOSTS_SUM="$(sha256sum /etc/hosts)"

# The server's hosts file has to exist before lab_setup starts sshd (the server inherits sshd's mounts): hook
# it in right after the lab has made the namespaces' resolv.conf files.
eval "lab_orig_$(declare -f lab_make_resolv_confs)"
lab_make_resolv_confs() {
    lab_orig_lab_make_resolv_confs
    printf '127.0.0.1 localhost\n%s %s\n%s %s\n' "$OTHER2_V4" "$TARGET_NAME" "$TARGET_V4" "$PRIVATE_NAME" \
        >"/etc/netns/sst-s-$LAB_ID/hosts"
}
LAB_FIXTURE_MB=0 lab_setup
[[ "$(lab_in server cat /etc/hosts)" == *"$TARGET_NAME"* ]] || lab_fail "the server namespace does not see its hosts file"

# The clients' mount namespace, held open by a sleeping process in the client network namespace.
lab_spawn client "$LAB_TMP/mntns.log" unshare --mount --propagation private sh -c '
    set -e
    mkdir -p "$1"
    mount -t tmpfs sst-etc "$1"
    mkdir "$1/upper" "$1/work"
    mount -t overlay sst-etc -o "lowerdir=/etc,upperdir=$1/upper,workdir=$1/work" /etc
    cat "$2" >/etc/resolv.conf   # the lab resolv.conf was a bind mount below the overlay
    echo ready
    exec sleep infinity' sh "$LAB_TMP/etc-overlay" "/etc/netns/sst-c-$LAB_ID/resolv.conf"
HOLDER=$LAB_LAST_PID
deadline=$((SECONDS + 20))
until grep -q ready "$LAB_TMP/mntns.log" 2>/dev/null; do
    ((SECONDS < deadline)) || lab_fail "the private mount namespace did not come up: $(cat "$LAB_TMP/mntns.log")"
    sleep 0.05
done
in_mntns() { nsenter --target "$HOLDER" --mount --net -- "$@"; }
[[ "$(in_mntns findmnt -n -o FSTYPE /etc)" == overlay ]] || lab_fail "/etc is not the overlay in the test namespace"
ORIGINAL="$(in_mntns cat /etc/hosts)"

# start_client NAME SUBNET: one instance with -H in the private mount namespace; its pid in CLIENT_PID.
start_client() {
    local name=$1 subnet=$2
    nsenter --target "$HOLDER" --mount --net -- env --default-signal=INT "$SSHUTTLE_BIN" -v -v \
        -r "root@$SERVER_V4" -e "$LAB_SSH_CMD" --method "$SSHUTTLE_METHOD" -H "$subnet" >"$LAB_TMP/$name.log" 2>&1 &
    CLIENT_PID=$!
    LAB_PIDS+=("$CLIENT_PID")
}

# tag_ports NAME: the ports in the tags of the client hosts-file lines for NAME, sorted.
tag_ports() {
    in_mntns cat /etc/hosts | sed -n "s/^[0-9a-f.:]* $1 *# sshuttle-firewall-\([0-9]*\) AUTOCREATED\$/\1/p" | sort -n
}

# wait_tag_count NAME COUNT: poll until NAME has COUNT tagged lines.
wait_tag_count() {
    local name=$1 count=$2 deadline=$((SECONDS + 60))
    while [[ "$(tag_ports "$name" | wc -l)" != "$count" ]]; do
        if ((SECONDS >= deadline)); then
            in_mntns cat /etc/hosts >&2
            lab_fail "expected $count tagged lines for $name in the client's /etc/hosts (above)"
        fi
        sleep 0.1
    done
}

start_client first "$OTHERNET_V4"
FIRST=$CLIENT_PID
start_client second "$PRIVATE_V4"
SECOND=$CLIENT_PID
SST_ROLE=client
SST_PID=$FIRST sst_wait_tunnel "$OTHER2_V4"
SST_PID=$SECOND sst_wait_tunnel "$TARGET_V4"

wait_tag_count "$TARGET_NAME" 2
wait_tag_count hw-target 2   # the first label too, as upstream
wait_tag_count "$PRIVATE_NAME" 2
PORTS=($(tag_ports "$TARGET_NAME"))
[[ ${PORTS[0]} != "${PORTS[1]}" ]] || lab_fail "both instances wrote the same tag port ${PORTS[0]}"
lab_pass "-H: the server-only name is in the client's /etc/hosts, once per instance, tagged with its port"

body="$(in_mntns curl -sS --max-time 10 "http://$TARGET_NAME:$HTTP_PORT/index.txt")" ||
    lab_fail "curl by name http://$TARGET_NAME:$HTTP_PORT/ failed"
[[ "$body" == "hello from the target" ]] || lab_fail "curl by name returned '$body'"
body="$(in_mntns curl -sS --max-time 10 "http://hw-private:$HTTP_PORT/index.txt")" ||
    lab_fail "curl by short name http://hw-private:$HTTP_PORT/ failed"
[[ "$body" == "hello from the target" ]] || lab_fail "curl by short name returned '$body'"
lab_pass "-H: the names work through the tunnel"

# SIGINT the first: exactly its lines go, the second's stay.
kill -INT "$FIRST"
sst_wait_exit 20 "$FIRST"
((SST_RC == 0)) || lab_fail "the first client exited with status $SST_RC after SIGINT"
wait_tag_count "$TARGET_NAME" 1
[[ "$(tag_ports "$PRIVATE_NAME" | wc -l)" == 1 ]] || lab_fail "the second instance's lines went with the first"
lab_pass "-H: SIGINT removes one instance's lines and keeps the other's"

# SIGKILL the second: its manager sees EOF and removes the rest.
kill -KILL "$SECOND"
sst_wait_exit 20 "$SECOND"
wait_tag_count "$TARGET_NAME" 0
wait_tag_count "$PRIVATE_NAME" 0
sst_wait_rules_gone client
[[ "$(in_mntns cat /etc/hosts)" == "$ORIGINAL" ]] || lab_fail "the client's /etc/hosts differs from the original"
lab_pass "-H: SIGKILL of the client still removes its lines; the file is as before"

[[ "$(sha256sum /etc/hosts)" == "$REAL_HOSTS_SUM" ]] || lab_fail "the machine's real /etc/hosts changed"
lab_pass "auto_hosts"
