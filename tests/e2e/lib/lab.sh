# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2034  # the variables are for the scripts that source this file
# The end-to-end test lab, sourced by tests/e2e/test_*.sh and bench/run.sh. Needs root.
#
#   client ns  --veth--  server ns (sshd, does NOT forward)  --veth--  target ns (http, echo, sink, iperf3)
#   192.0.2.1            192.0.2.2 | 198.51.100.1 203.0.113.1            198.51.100.2  203.0.113.2 203.0.113.3
#   2001:db8:c::1        2001:db8:c::2 | 2001:db8:7::1 2001:db8:e::1     2001:db8:7::2 2001:db8:e::2 2001:db8:e::3
#
# The client has default routes via the server, so connect() to a target gets as far as the firewall (and is then
# either redirected into sshuttle or silently dropped by the non-forwarding server). Only the tunnel reaches a target.
#
# Usage: source lab.sh; lab_setup; ...; (lab_cleanup runs from the EXIT/INT/TERM trap that lab_setup installs).

LAB_DIR_SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LAB_PY="${LAB_PY:-/usr/bin/python3}"
export PYTHONDONTWRITEBYTECODE=1  # the helpers are imported from the source tree; keep it clean
# The client under test: SSHUTTLE_E2E_CLIENT wins (it overrides what CTest sets), then SSHUTTLE_BIN, then the
# build tree (SSHUTTLE_BUILD_DIR or <repo>/build). /usr/bin/sshuttle is upstream sshuttle, for comparison.
SSHUTTLE_BUILD_DIR="${SSHUTTLE_BUILD_DIR:-$(cd "$LAB_DIR_SRC/../../.." && pwd)/build}"
SSHUTTLE_BIN="${SSHUTTLE_E2E_CLIENT:-${SSHUTTLE_BIN:-$SSHUTTLE_BUILD_DIR/bin/sshuttle}}"
SSHUTTLE_METHOD="${SSHUTTLE_METHOD:-nat}"

# Fixed addresses (documentation ranges only).
CLIENT_V4=192.0.2.1        CLIENT_V6=2001:db8:c::1
SERVER_V4=192.0.2.2        SERVER_V6=2001:db8:c::2
TARGET_V4=198.51.100.2     TARGET_V6=2001:db8:7::2
OTHER_V4=203.0.113.2       OTHER_V6=2001:db8:e::2     # second target network, for excludes
OTHER2_V4=203.0.113.3      OTHER2_V6=2001:db8:e::3
PRIVATE_V4=198.51.100.0/24 PRIVATE_V6=2001:db8:7::/64
OTHERNET_V4=203.0.113.0/24 OTHERNET_V6=2001:db8:e::/64

# Target ports.
HTTP_PORT=8080 ECHO_PORT=7000 SINK_PORT=9000 IPERF_PORT=5201

LAB_PIDS=()
LAB_ID=""
LAB_TMP=""
LAB_CACHE_EXISTED=0

lab_log() { printf '[lab %s] %s\n' "$(date +%T)" "$*" >&2; }
lab_fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
lab_pass() { printf 'PASS: %s\n' "$*" >&2; }

# Run a command inside one of the lab namespaces: lab_in client|server|target cmd...
lab_in() {
    local role=$1; shift
    ip netns exec "sst-${role:0:1}-$LAB_ID" "$@"
}

# Start a long-running process in a namespace; its pid is tracked for cleanup and left in LAB_LAST_PID
# (not printed: a $(...) subshell would lose the tracking). SIGINT is reset to default because bash ignores it
# in background jobs of non-interactive shells.
lab_spawn() {
    local role=$1 log=$2; shift 2
    ip netns exec "sst-${role:0:1}-$LAB_ID" env --default-signal=INT "$@" >"$log" 2>&1 &
    LAB_LAST_PID=$!
    LAB_PIDS+=("$LAB_LAST_PID")
}

# Poll until a TCP port listens in a namespace (ss, so the service sees no probe connections).
lab_wait_listen() {
    local role=$1 port=$2 timeout_s=${3:-20}
    local deadline=$((SECONDS + timeout_s))
    while ((SECONDS < deadline)); do
        if [[ -n "$(lab_in "$role" ss -Hltn "sport = :$port")" ]]; then return 0; fi
        sleep 0.05
    done
    lab_fail "port $port never started listening in the $role namespace (${timeout_s}s)"
}

# lab_write_resolv_conf ROLE LINE...: that namespace's /etc/resolv.conf from now on (`ip netns exec` bind-mounts
# /etc/netns/<ns>/resolv.conf over /etc/resolv.conf for every process it starts).
lab_write_resolv_conf() {
    local role=$1; shift
    printf '%s\n' "$@" >"/etc/netns/sst-${role:0:1}-$LAB_ID/resolv.conf"
}

# Every namespace gets its own resolv.conf naming documentation addresses only, so nothing in the lab ever asks
# the host's nameservers. The client's nameserver does not exist (only `sshuttle --dns` can answer for it); the
# server's is the target, where test_dns.sh runs dnsmasq.
lab_make_resolv_confs() {
    local role
    for role in client server target; do mkdir -p "/etc/netns/sst-${role:0:1}-$LAB_ID"; done
    lab_write_resolv_conf client "nameserver 203.0.113.53" "options timeout:1 attempts:1"
    lab_write_resolv_conf server "nameserver $TARGET_V4"
    lab_write_resolv_conf target "nameserver $TARGET_V4"
    for role in client server target; do
        # A failed bind mount (e.g. a dangling /etc/resolv.conf symlink) would leave the host's file visible.
        [[ "$(lab_in "$role" cat /etc/resolv.conf)" == "$(cat "/etc/netns/sst-${role:0:1}-$LAB_ID/resolv.conf")" ]] ||
            lab_fail "the $role namespace does not see its own /etc/resolv.conf"
    done
}

lab_make_netns() {
    local c="sst-c-$LAB_ID" s="sst-s-$LAB_ID" t="sst-t-$LAB_ID"
    for ns in "$c" "$s" "$t"; do
        ip netns add "$ns"
        ip -n "$ns" link set lo up
    done
    lab_make_resolv_confs
    # veth pairs are created inside the namespaces, so their short names never clash between labs.
    ip -n "$c" link add eth0 type veth peer name eth0c netns "$s"
    ip -n "$s" link add eth0t type veth peer name eth0 netns "$t"
    ip -n "$c" link set eth0 up
    ip -n "$s" link set eth0c up
    ip -n "$s" link set eth0t up
    ip -n "$t" link set eth0 up
    # nodad: addresses are usable at once instead of after duplicate address detection.
    ip -n "$c" addr add "$CLIENT_V4/24" dev eth0
    ip -n "$c" addr add "$CLIENT_V6/64" dev eth0 nodad
    ip -n "$s" addr add "$SERVER_V4/24" dev eth0c
    ip -n "$s" addr add "$SERVER_V6/64" dev eth0c nodad
    ip -n "$s" addr add 198.51.100.1/24 dev eth0t
    ip -n "$s" addr add 203.0.113.1/24 dev eth0t
    ip -n "$s" addr add 2001:db8:7::1/64 dev eth0t nodad
    ip -n "$s" addr add 2001:db8:e::1/64 dev eth0t nodad
    local a
    for a in "$TARGET_V4/24" "$OTHER_V4/24" "$OTHER2_V4/24"; do ip -n "$t" addr add "$a" dev eth0; done
    for a in "$TARGET_V6/64" "$OTHER_V6/64" "$OTHER2_V6/64"; do ip -n "$t" addr add "$a" dev eth0 nodad; done
    ip -n "$c" route add default via "$SERVER_V4"
    ip -n "$c" -6 route add default via "$SERVER_V6"
    # The server must not route: the tunnel is the only way from client to target.
    ip netns exec "$s" sysctl -qw net.ipv4.ip_forward=0
    ip netns exec "$s" sysctl -qw net.ipv6.conf.all.forwarding=0
}

# A long path to sshd: lab_start_delay_relay RELAY-BIN PORT DELAY-MS starts the delay relay (bench/delay_relay.cpp)
# in the server namespace on PORT, in front of sshd, holding each direction DELAY-MS, and writes an ssh_config that
# differs from the lab's only in that port. Sets LAB_RELAY_PID and LAB_RELAY_SSH_CONFIG.
lab_start_delay_relay() {
    local bin=$1 port=$2 delay_ms=$3
    [[ -x $bin ]] || lab_fail "no delay relay at $bin: cmake --build build --target sshuttle-bench-delay-relay"
    lab_spawn server "$LAB_TMP/relay.log" "$bin" "$SERVER_V4:$port" "$SERVER_V4:22" "$delay_ms"
    LAB_RELAY_PID=$LAB_LAST_PID
    lab_wait_listen server "$port"
    LAB_RELAY_SSH_CONFIG="$LAB_TMP/ssh/ssh_config_relay"
    sed "s/^Host \*\$/Host *\n    Port $port/" "$LAB_SSH_CONFIG" >"$LAB_RELAY_SSH_CONFIG"
    grep -q "Port $port" "$LAB_RELAY_SSH_CONFIG" || lab_fail "could not write $LAB_RELAY_SSH_CONFIG"
}

# A real sshd on its own config, keys and authorized_keys; root may log in by key only.
lab_start_sshd() {
    local d="$LAB_TMP/ssh"
    mkdir -p "$d" /run/sshd
    chmod 700 "$d"
    ssh-keygen -q -t ed25519 -N '' -f "$d/host_ed25519" -C sst-host
    ssh-keygen -q -t ed25519 -N '' -f "$d/client_ed25519" -C sst-client
    cp "$d/client_ed25519.pub" "$d/authorized_keys"
    cat >"$d/sshd_config" <<EOF
ListenAddress $SERVER_V4:22
ListenAddress [$SERVER_V6]:22
HostKey $d/host_ed25519
AuthorizedKeysFile $d/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile none
MaxStartups 100
MaxSessions 100
LogLevel VERBOSE
EOF
    # Sanitizer builds (scripts/sanitizer-checks.sh): the server helper runs under sshd, which passes on no
    # environment of ours, so its ASan/UBSan reports go to files beside the client's, where the check looks for
    # them after the run (a report from a process whose exit status nobody checks is still seen).
    if [[ -n ${SSHUTTLE_SANITIZER_LOG_DIR:-} ]]; then
        echo "SetEnv ASAN_OPTIONS=log_path=$SSHUTTLE_SANITIZER_LOG_DIR/remote-asan" \
            "UBSAN_OPTIONS=print_stacktrace=1:log_path=$SSHUTTLE_SANITIZER_LOG_DIR/remote-ubsan" >>"$d/sshd_config"
    fi
    cat >"$d/ssh_config" <<EOF
Host *
    User root
    IdentityFile $d/client_ed25519
    IdentitiesOnly yes
    StrictHostKeyChecking no
    UserKnownHostsFile /dev/null
    BatchMode yes
    ConnectTimeout 10
    LogLevel ERROR
EOF
    LAB_SSH_CONFIG="$d/ssh_config"
    LAB_SSH_KEY="$d/client_ed25519"
    LAB_SSH_CMD="ssh -F $LAB_SSH_CONFIG"
    lab_spawn server "$LAB_TMP/sshd.log" "$LAB_DIR_SRC/quiet_sshd.sh" -D -e -f "$d/sshd_config"
    lab_wait_listen server 22
}

# A random fixture file of <MB> megabytes served over HTTP, with its sha256.
lab_make_fixture() {
    local mb=${1:-100}
    mkdir -p "$LAB_TMP/www"
    head -c "$((mb * 1024 * 1024))" /dev/urandom >"$LAB_TMP/www/big.bin"
    LAB_FIXTURE="$LAB_TMP/www/big.bin"
    LAB_FIXTURE_SHA="$(sha256sum "$LAB_FIXTURE" | cut -d' ' -f1)"
    echo "$LAB_FIXTURE_SHA" >"$LAB_TMP/www/big.bin.sha256"
    echo "hello from the target" >"$LAB_TMP/www/index.txt"
}

# HTTP, echo, upload sink and iperf3 in the target namespace, each on v4 and v6 (dual-stack sockets).
lab_start_targets() {
    # http.server binds '::' with IPV6_V6ONLY off, so one process serves both families.
    lab_spawn target "$LAB_TMP/http.log" "$LAB_PY" -m http.server --bind :: --directory "$LAB_TMP/www" \
        "$HTTP_PORT"
    lab_spawn target "$LAB_TMP/echo.log" "$LAB_PY" "$LAB_DIR_SRC/echo_server.py" "$ECHO_PORT"
    lab_spawn target "$LAB_TMP/sink.log" "$LAB_PY" "$LAB_DIR_SRC/sink_server.py" "$SINK_PORT"
    lab_spawn target "$LAB_TMP/iperf3.log" iperf3 -s -p "$IPERF_PORT"
    local p
    for p in "$HTTP_PORT" "$ECHO_PORT" "$SINK_PORT" "$IPERF_PORT"; do lab_wait_listen target "$p"; done
}

# Remove labs whose test process is gone without cleaning up (CTest kills a timed-out test with SIGKILL, so
# its trap never runs). Lab names carry the owner's pid: sst-<role>-<pid>-<random>.
lab_reap_stale() {
    local ns owner dir
    for ns in $(ip netns list | awk '$1 ~ /^sst-[cst]-[0-9]+-[0-9]+$/ {print $1}'); do
        owner=${ns#sst-?-}
        owner=${owner%%-*}
        kill -0 "$owner" 2>/dev/null && continue
        lab_log "removing the stale lab namespace $ns (its test, pid $owner, is gone)"
        lab_kill_netns_pids "$ns"
        ip netns del "$ns" 2>/dev/null || true
    done
    for dir in /tmp/sst-lab-*; do
        [[ -d $dir ]] || continue
        owner=${dir#/tmp/sst-lab-}
        owner=${owner%%-*}
        kill -0 "$owner" 2>/dev/null || rm -rf "$dir"
    done
    for dir in /etc/netns/sst-[cst]-*; do
        [[ -d $dir ]] || continue
        owner=${dir#/etc/netns/sst-?-}
        owner=${owner%%-*}
        kill -0 "$owner" 2>/dev/null || rm -rf "$dir"
    done
}

# Build the whole lab. Options: LAB_FIXTURE_MB (default 100; 0 = no big file).
lab_setup() {
    [[ $EUID -eq 0 ]] || lab_fail "the e2e lab needs root (network namespaces, sshd, iptables)"
    lab_reap_stale
    LAB_ID="$$-$RANDOM"
    LAB_TMP="$(mktemp -d "/tmp/sst-lab-$LAB_ID.XXXXXX")"
    [[ -d /root/.cache/sshuttle ]] && LAB_CACHE_EXISTED=1
    trap lab_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    ulimit -n "$(ulimit -Hn)" 2>/dev/null || true  # thousands of concurrent connections in the tests
    lab_log "lab $LAB_ID in $LAB_TMP, client binary $SSHUTTLE_BIN"
    lab_make_netns
    LAB_FIXTURE_MB=${LAB_FIXTURE_MB:-100}
    lab_make_fixture "$LAB_FIXTURE_MB"
    lab_start_sshd
    lab_start_targets
}

lab_kill_netns_pids() {
    local ns=$1 pids
    pids="$(ip netns pids "$ns" 2>/dev/null)"
    [[ -n "$pids" ]] && kill -9 $pids 2>/dev/null
    return 0
}

# Pids of the remote server side: everything in the server namespace that is not sshd (the session's shell and
# the server it runs, python or ours).
server_pids() {
    local p
    for p in $(ip netns pids "sst-s-$LAB_ID"); do
        [[ "$(cat "/proc/$p/comm" 2>/dev/null)" == sshd ]] || echo "$p"
    done
    return 0
}

sshd_pids() {
    local p
    for p in $(ip netns pids "sst-s-$LAB_ID"); do
        [[ "$(cat "/proc/$p/comm" 2>/dev/null)" == sshd ]] && echo "$p"
    done
    return 0
}

# Pids of the client's ssh processes (ours runs `ssh` for -e and the ssh command transport).
ssh_pids() {
    local p
    for p in $(ip netns pids "sst-c-$LAB_ID"); do
        [[ "$(cat "/proc/$p/comm" 2>/dev/null)" == ssh ]] && echo "$p"
    done
    return 0
}

lab_cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    set +e  # best effort from here on: every step runs even if an earlier one fails
    [[ -z "$LAB_ID" ]] && return "$rc"
    if ((rc != 0)) && [[ -d "$LAB_TMP" ]]; then
        # Show the logs of a failed run before they are deleted.
        local f
        for f in "$LAB_TMP"/*.log; do
            [[ -s "$f" ]] || continue
            echo "----- $(basename "$f") (last 40 lines) -----" >&2
            tail -n 40 "$f" >&2
        done
    fi
    local p
    for p in "${LAB_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
    for ns in "sst-c-$LAB_ID" "sst-s-$LAB_ID" "sst-t-$LAB_ID"; do lab_kill_netns_pids "$ns"; done
    for p in "${LAB_PIDS[@]}"; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    for ns in "sst-c-$LAB_ID" "sst-s-$LAB_ID" "sst-t-$LAB_ID"; do ip netns del "$ns" 2>/dev/null; done
    for ns in "sst-c-$LAB_ID" "sst-s-$LAB_ID" "sst-t-$LAB_ID"; do rm -rf "/etc/netns/$ns"; done
    [[ -n "$LAB_TMP" && -d "$LAB_TMP" ]] && rm -rf "$LAB_TMP"
    # The remote side of the client may have cached its server helper; the "remote" is this machine.
    ((LAB_CACHE_EXISTED == 0)) && rm -rf /root/.cache/sshuttle
    LAB_ID=""
    return "$rc"
}

# shellcheck source=sshuttle.sh
source "$LAB_DIR_SRC/sshuttle.sh"
