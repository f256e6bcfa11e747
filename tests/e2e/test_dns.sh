#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# --dns, --ns-hosts and --to-ns. dnsmasq in the target namespace is the only nameserver that knows NAME; the
# client namespace's resolv.conf names nameservers that do not exist (203.0.113.53, 2001:db8:e::53) and the server
# does not forward, so the client resolves NAME only when sshuttle captures its queries and the server asks dnsmasq
# (the server namespace's resolv.conf names it). Every address is a documentation address; lab.sh gives every
# namespace its own resolv.conf, so no query ever goes to the host's nameservers.
set -euo pipefail
LAB_FIXTURE_MB=0
source "$(dirname "$0")/lib/lab.sh"
lab_setup

NAME=only-the-lab-knows.test
NS_V4=203.0.113.53 NS_V6=2001:db8:e::53
DNS_QUERY=("$LAB_PY" "$LAB_DIR_SRC/dns_query.py")

# dnsmasq_start LOG PORT ANSWER_V4 ANSWER_V6 LISTEN...: a nameserver that knows only NAME; no upstream, no
# config file, no /etc/hosts, so it cannot reach anything outside the lab.
dnsmasq_start() {
    local log=$1 port=$2 a=$3 aaaa=$4; shift 4
    local listen=() address
    for address in "$@"; do listen+=("--listen-address=$address"); done
    lab_spawn target "$LAB_TMP/$log" dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts --pid-file= \
        --bind-interfaces "${listen[@]}" --port "$port" --log-queries --log-facility=- \
        "--address=/$NAME/$a" "--address=/$NAME/$aaaa"
    lab_wait_listen target "$port"
}
# The server's nameserver (its resolv.conf), and a second one for --to-ns that answers differently.
dnsmasq_start dnsmasq.log 53 "$TARGET_V4" "$TARGET_V6" "$TARGET_V4" "$TARGET_V6"
dnsmasq_start dnsmasq-to-ns.log 5353 "$OTHER_V4" "$OTHER_V6" "$OTHER_V4" "$OTHER_V6"
lab_write_resolv_conf client "nameserver $NS_V4" "nameserver $NS_V6" "options timeout:1 attempts:1"

# expect_answer SERVER TYPE EXPECTED [COUNT]: COUNT concurrent queries to SERVER, all answered with EXPECTED.
expect_answer() {
    local server=$1 type=$2 expected=$3 count=${4:-1} out
    out="$(lab_in client "${DNS_QUERY[@]}" "$server" "$NAME" "$type" "$count" 20)" ||
        lab_fail "$type queries to $server: $out"
    [[ "$out" == "$expected"$'\n'"answered $count/$count" ]] ||
        lab_fail "$type queries to $server for $NAME: expected $expected, got: $out"
}
# Every firewall rule of the client namespace (nft rule lines do not name sshuttle, so sst_rules would miss them).
client_rules() {
    lab_in client iptables-save 2>/dev/null
    lab_in client ip6tables-save 2>/dev/null
    lab_in client nft list ruleset 2>/dev/null
}
# Each sent from a port of its own below the ephemeral range: a random port may be one that an earlier phase's
# query to the same server used, and conntrack may still hold that query's redirect to the tunnel (seen once in
# CI: "answered but should not have been captured" right after the --dns phase). A port used twice would meet
# its own earlier, unredirected entry instead, so none is.
NO_ANSWER_PORT=20053
expect_no_answer() {
    local server=$1 out
    NO_ANSWER_PORT=$((NO_ANSWER_PORT + 1))
    if out="$(lab_in client "${DNS_QUERY[@]}" "$server" "$NAME" A 1 2 "$NO_ANSWER_PORT")"; then
        lab_fail "a query to $server was answered but should not have been captured: $out"
    fi
}
# getent goes through the C library, /etc/nsswitch.conf and the namespace's resolv.conf, as any application.
expect_getent() {
    local expected=$1 out
    out="$(lab_in client getent ahostsv4 "$NAME" | awk 'NR == 1 {print $1}')"
    [[ "$out" == "$expected" ]] || lab_fail "getent ahostsv4 $NAME in the client namespace: '$out', expected $expected"
}

expect_no_answer "$NS_V4"
lab_pass "without sshuttle the client namespace cannot resolve $NAME"

sst_start_remote dns --dns "$PRIVATE_V4"
sst_wait_tunnel "$TARGET_V4"
rules="$(client_rules)"
grep -q "$NS_V4" <<<"$rules" || lab_fail "no DNS rule for $NS_V4: $rules"
grep -q "$NS_V6" <<<"$rules" || lab_fail "no DNS rule for $NS_V6: $rules"
expect_getent "$TARGET_V4"
expect_answer "$NS_V4" A "$TARGET_V4"
expect_answer "$NS_V4" AAAA "$TARGET_V6"
lab_pass "--dns: an IPv4 nameserver of resolv.conf is captured (getent and raw A/AAAA queries)"
expect_answer "$NS_V6" A "$TARGET_V4"
expect_answer "$NS_V6" AAAA "$TARGET_V6"
lab_pass "--dns: an IPv6 nameserver of resolv.conf is captured"
expect_answer "$NS_V4" A "$TARGET_V4" 500
expect_answer "$NS_V6" AAAA "$TARGET_V6" 200
lab_pass "--dns: 500 concurrent IPv4 and 200 concurrent IPv6 queries all answered"
sst_expect_proxied client "$TARGET_V4" >/dev/null  # TCP still works next to DNS
sst_stop
lab_pass "--dns: no rule left after exit"

sst_start_remote ns_hosts --ns-hosts "203.0.113.99,2001:db8:e::99" "$PRIVATE_V4"
sst_wait_tunnel "$TARGET_V4"
expect_answer 203.0.113.99 A "$TARGET_V4"
expect_answer 2001:db8:e::99 AAAA "$TARGET_V6"
expect_no_answer "$NS_V4"  # only the listed nameservers are captured
sst_stop
lab_pass "--ns-hosts: exactly the listed nameservers are captured"

sst_start_remote to_ns --dns --to-ns "$OTHER_V4:5353" "$PRIVATE_V4"
sst_wait_tunnel "$TARGET_V4"
expect_getent "$OTHER_V4"
expect_answer "$NS_V6" AAAA "$OTHER_V6"
sst_stop
sst_start_remote to_ns6 --ns-hosts "$NS_V4" --to-ns "[$OTHER_V6]:5353" "$PRIVATE_V4"
sst_wait_tunnel "$TARGET_V4"
expect_answer "$NS_V4" A "$OTHER_V4"
sst_stop
lab_pass "--to-ns: the server asks the given nameserver (IPv4 and IPv6, port 5353)"

sst_start_remote to_ns_alone --to-ns "$OTHER_V4:5353" "$PRIVATE_V4"
sst_wait_tunnel "$TARGET_V4"
grep -q -- "--to-ns is ignored" "$SST_LOG" || lab_fail "no warning that --to-ns is ignored without --dns"
if client_rules | grep -q "dport 53"; then lab_fail "DNS rules without --dns or --ns-hosts: $(client_rules)"; fi
expect_no_answer "$NS_V4"
sst_stop
lab_pass "--to-ns without --dns/--ns-hosts: a warning, and DNS is left alone"
lab_pass "dns"
