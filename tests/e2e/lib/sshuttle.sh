# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2034  # the variables are for the scripts that source this file
# Running the sshuttle client under test inside the lab (sourced by lab.sh). The binary is $SSHUTTLE_BIN, so
# SSHUTTLE_BIN=/usr/bin/sshuttle runs the same test against upstream sshuttle.

# shellcheck source=expect_libssh2.sh
source "$LAB_DIR_SRC/expect_libssh2.sh"

# sst_start ROLE NAME ARGS...: start the client in a namespace with -v; pid in SST_PID, log in $LAB_TMP/NAME.log.
# The words of SST_WRAPPER (default none) come before the binary: a program that runs the client. SST_BUILTIN=1
# when the arguments take the built-in libssh2 transport.
SST_WRAPPER=()
sst_start() {
    local role=$1 name=$2; shift 2
    SST_LOG="$LAB_TMP/$name.log"
    SST_BUILTIN=0
    sst_uses_builtin "$@" && SST_BUILTIN=1
    lab_spawn "$role" "$SST_LOG" "${SST_WRAPPER[@]}" "$SSHUTTLE_BIN" -v "$@"
    SST_PID=$LAB_LAST_PID
    SST_ROLE=$role
}

# How the client reaches the lab's sshd: "command" (default) passes -e "ssh -F <lab config>", the OpenSSH program;
# "builtin" passes no -e, so the client uses its default transport (libssh2 in-process), told to follow the
# lab's ssh config with --transport-option ssh-config=<lab config>.
SSHUTTLE_E2E_TRANSPORT="${SSHUTTLE_E2E_TRANSPORT:-command}"

# sst_start_remote NAME ARGS...: the normal setup, client namespace -> ssh to the lab's sshd.
sst_start_remote() {
    local name=$1; shift
    local how=(-e "$LAB_SSH_CMD")
    [[ $SSHUTTLE_E2E_TRANSPORT == builtin ]] && how=(--transport-option "ssh-config=$LAB_SSH_CONFIG")
    sst_start client "$name" -r "root@$SERVER_V4" "${how[@]}" --method "$SSHUTTLE_METHOD" "$@"
}

sst_alive() { kill -0 "${1:-$SST_PID}" 2>/dev/null; }

# sst_wait_tunnel HOST [PORT] [TIMEOUT]: poll a proxied round trip to the echo server until it works. Fails early
# if the client dies. Before the rules are installed the SYN is dropped by the non-forwarding server, so every
# probe is bounded by a short connect timeout.
sst_wait_tunnel() {
    local host=$1 port=${2:-$ECHO_PORT} timeout_s=${3:-60}
    local deadline=$((SECONDS + timeout_s))
    while ((SECONDS < deadline)); do
        sst_alive || lab_fail "the sshuttle client exited (status $(sst_status)) before the tunnel to $host came up"
        if lab_in "$SST_ROLE" "$LAB_PY" "$LAB_DIR_SRC/whoami.py" "$host" "$port" 1 >/dev/null 2>&1; then
            sst_expect_libssh2  # built-in transport: the cipher, its read-ahead, and the libssh2 it ran
            return 0
        fi
        sleep 0.1
    done
    lab_fail "no tunnel to $host:$port after ${timeout_s}s"
}

# sst_status [PID]: reap an exited client and print its exit status.
sst_status() {
    local pid=${1:-$SST_PID} rc=0
    wait "$pid" 2>/dev/null || rc=$?
    echo "$rc"
}

# sst_wait_exit [TIMEOUT] [PID]: poll until the client has exited; sets SST_RC. Fails after TIMEOUT seconds.
sst_wait_exit() {
    local timeout_s=${1:-20} pid=${2:-$SST_PID}
    local deadline=$((SECONDS + timeout_s))
    while sst_alive "$pid"; do
        ((SECONDS < deadline)) || lab_fail "the sshuttle client (pid $pid) is still running ${timeout_s}s later"
        sleep 0.05
    done
    SST_RC=$(sst_status "$pid")
}

# sst_rules ROLE: every firewall line in that namespace that belongs to sshuttle (iptables, ip6tables, nft).
sst_rules() {
    local role=${1:-client}
    {
        lab_in "$role" iptables-save 2>/dev/null
        lab_in "$role" ip6tables-save 2>/dev/null
        lab_in "$role" nft list ruleset 2>/dev/null
    } | grep -i sshuttle
}

# sst_wait_rules_gone ROLE [TIMEOUT]: poll until no sshuttle rule is left (the firewall manager cleans up
# asynchronously after the client is gone).
sst_wait_rules_gone() {
    local role=${1:-client} timeout_s=${2:-20}
    local deadline=$((SECONDS + timeout_s))
    while [[ -n "$(sst_rules "$role")" ]]; do
        if ((SECONDS >= deadline)); then
            sst_rules "$role" >&2
            lab_fail "sshuttle firewall rules are still in the $role namespace ${timeout_s}s later (above)"
        fi
        sleep 0.05
    done
}

# sst_whoami ROLE HOST [PORT]: 'local_port seen_ip seen_port' of one connection to the echo server.
sst_whoami() {
    local role=$1 host=$2 port=${3:-$ECHO_PORT}
    lab_in "$role" "$LAB_PY" "$LAB_DIR_SRC/whoami.py" "$host" "$port" 5
}

# sst_expect_proxied ROLE HOST [PORT]: the connection must reach the target through the proxy, i.e. the target
# sees another source port than the one the application bound (the proxy opened its own connection).
sst_expect_proxied() {
    local role=$1 host=$2 port=${3:-$ECHO_PORT} out local_port seen_ip seen_port
    out="$(sst_whoami "$role" "$host" "$port")" || lab_fail "no connection to $host:$port from the $role namespace"
    read -r local_port seen_ip seen_port <<<"$out"
    [[ "$local_port" != "$seen_port" ]] ||
        lab_fail "connection to $host:$port was not proxied: the target saw our own port $local_port ($seen_ip)"
    echo "$seen_ip"
}

# sst_expect_blocked ROLE HOST PORT: the connection must not get through (the server does not forward, so an
# untunnelled SYN is dropped): curl must fail within its connect timeout.
sst_expect_blocked() {
    local role=$1 host=$2 port=$3 rc=0 url
    if [[ $host == *:* ]]; then url="http://[$host]:$port/"; else url="http://$host:$port/"; fi
    lab_in "$role" curl -sS -o /dev/null --connect-timeout 2 --max-time 4 "$url" 2>/dev/null || rc=$?
    ((rc != 0)) || lab_fail "$url was reachable from the $role namespace but should not be tunnelled"
}

# sst_url HOST PORT PATH: an http URL with IPv6 brackets where needed.
sst_url() {
    if [[ $1 == *:* ]]; then echo "http://[$1]:$2$3"; else echo "http://$1:$2$3"; fi
}

# sst_wait_proxied ROLE HOST [PORT] [TIMEOUT]: like sst_wait_tunnel, for a namespace that can also reach HOST
# directly (local mode): poll until a connection shows up at the target through the proxy.
sst_wait_proxied() {
    local role=$1 host=$2 port=${3:-$ECHO_PORT} timeout_s=${4:-60} out local_port seen_ip seen_port
    local deadline=$((SECONDS + timeout_s))
    while ((SECONDS < deadline)); do
        sst_alive || lab_fail "the sshuttle client exited (status $(sst_status)) before it proxied $host"
        if out="$(lab_in "$role" "$LAB_PY" "$LAB_DIR_SRC/whoami.py" "$host" "$port" 1 2>/dev/null)"; then
            read -r local_port seen_ip seen_port <<<"$out"
            [[ "$local_port" != "$seen_port" ]] && return 0
        fi
        sleep 0.1
    done
    lab_fail "connections to $host:$port from the $role namespace were still not proxied after ${timeout_s}s"
}

# sst_transfer_checks ROLE HOST: curl, checksummed download of the fixture and checksummed upload of it.
sst_transfer_checks() {
    local role=$1 host=$2 body got up_sha up_bytes
    body="$(lab_in "$role" curl -sS --max-time 30 "$(sst_url "$host" "$HTTP_PORT" /index.txt)")" ||
        lab_fail "curl $(sst_url "$host" "$HTTP_PORT" /index.txt) failed"
    [[ "$body" == "hello from the target" ]] || lab_fail "curl via $host returned '$body'"
    got="$(lab_in "$role" curl -sS --max-time 600 "$(sst_url "$host" "$HTTP_PORT" /big.bin)" | sha256sum | cut -d' ' -f1)"
    [[ "$got" == "$LAB_FIXTURE_SHA" ]] || lab_fail "download via $host: sha256 $got, expected $LAB_FIXTURE_SHA"
    read -r up_sha up_bytes < <(lab_in "$role" "$LAB_PY" "$LAB_DIR_SRC/upload.py" "$host" "$SINK_PORT" "$LAB_FIXTURE")
    [[ "${up_sha:-}" == "$LAB_FIXTURE_SHA" ]] ||
        lab_fail "upload via $host: the sink got sha256 ${up_sha:-none} (${up_bytes:-0} bytes), expected $LAB_FIXTURE_SHA"
}

# sst_stop: SIGINT the client, wait for it, and require that its rules are gone.
sst_stop() {
    sst_alive || lab_fail "the client died before the end of the test (status $(sst_status))"
    kill -INT "$SST_PID"
    sst_wait_exit 20
    sst_wait_rules_gone "$SST_ROLE"
}
