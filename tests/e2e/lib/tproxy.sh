# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# Helpers for the tproxy and UDP tests (sourced after lab.sh): the UDP echo server in the target namespace, and
# the policy-routing state (ip rules, routing tables) that must be gone after the client.

UDP_ECHO_PORT=7001

# tp_start_udp_echo: the UDP echo server on [::]:UDP_ECHO_PORT in the target namespace (v4 and v6).
tp_start_udp_echo() {
    lab_spawn target "$LAB_TMP/udp_echo.log" "$LAB_PY" "$LAB_DIR_SRC/udp_echo_server.py" "$UDP_ECHO_PORT"
    local deadline=$((SECONDS + 20))
    until [[ -n "$(lab_in target ss -Hlun "sport = :$UDP_ECHO_PORT")" ]]; do
        ((SECONDS < deadline)) || lab_fail "the UDP echo server never bound port $UDP_ECHO_PORT"
        sleep 0.05
    done
}

# tp_policy_state ROLE: every ip rule and every route of a non-standard table, both families (what sshuttle's
# --tproxy-setup-routes could have left).
tp_policy_state() {
    local role=${1:-client} f
    for f in -4 -6; do
        lab_in "$role" ip "$f" rule show
        lab_in "$role" ip "$f" route show table all | grep -Ev ' table (local|main|default)\b|^(local|broadcast|multicast|anycast) .* table local' || true
    done
}

# tp_expect_no_policy_routes ROLE [TIMEOUT]: poll until no rule or route of sshuttle's own tables (100000+port)
# is left.
tp_expect_no_policy_routes() {
    local role=${1:-client} timeout_s=${2:-20}
    local deadline=$((SECONDS + timeout_s))
    while tp_policy_state "$role" | grep -Eq '(lookup|table) 1[0-9]{5}\b'; do
        if ((SECONDS >= deadline)); then
            tp_policy_state "$role" >&2
            lab_fail "sshuttle's policy routing is still in the $role namespace ${timeout_s}s later (above)"
        fi
        sleep 0.05
    done
}
