#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# --dry-run prints exactly what a real run installs, for each method that runs here (nat, nft, tproxy): the
# setup commands it prints are run in a fresh namespace of their own, and that namespace's iptables-save,
# ip6tables-save and nft list ruleset must equal the client namespace's while the real client runs with the same
# options (--user included where the method supports it). With IPv4-only listen addresses, no IPv6 rules at all.
set -euo pipefail
LAB_FIXTURE_MB=0
source "$(dirname "$0")/lib/lab.sh"
lab_setup
dry_ns="sst-d-$LAB_ID"
ip netns add "$dry_ns"
# shellcheck disable=SC2154  # rc is the trap's own
trap 'rc=$?; ip netns del "$dry_ns" 2>/dev/null; (exit $rc); lab_cleanup' EXIT

# dump NS: the firewall state of a namespace, counters zeroed and comments dropped.
dump() {
    {
        ip netns exec "$1" iptables-save
        ip netns exec "$1" ip6tables-save
        ip netns exec "$1" nft list ruleset
    } 2>/dev/null | sed -E '/^#/d; s/\[[0-9]+:[0-9]+\]/[0:0]/; s/packets [0-9]+ bytes [0-9]+/packets 0 bytes 0/'
}

# setup_script DRY_RUN_OUTPUT: the setup commands of every family as a shell script. A stale-rule deletion
# (single line) may fail in the fresh namespace; a command with input (the rules themselves) must not.
setup_script() {
    echo "set -e"
    awk '/^# ipv[46] setup/ {on = 1; next}
         /^# ipv[46] teardown/ {on = 0; next}
         !on {next}
         heredoc {print; if ($0 == "EOF") heredoc = 0; next}
         /^# ipv[46]: .*<<EOF$/ {sub(/^# ipv[46]: /, ""); print; heredoc = 1; next}
         /^#/ {next}
         /<<EOF$/ {print; heredoc = 1; next}
         {print $0 " || true"}' "$1"
}

# compare METHOD ARGS...: dry-run and real run with ARGS; the two dumps must be equal and not empty.
compare() {
    local method=$1; shift
    local args=(--method "$method" -r "root@$SERVER_V4" -e "$LAB_SSH_CMD" "$@")
    lab_in client "$SSHUTTLE_BIN" --dry-run "${args[@]}" >"$LAB_TMP/dry-$method.txt"
    setup_script "$LAB_TMP/dry-$method.txt" >"$LAB_TMP/dry-$method.sh"
    ip netns exec "$dry_ns" bash "$LAB_TMP/dry-$method.sh" >"$LAB_TMP/dry-$method-apply.log" 2>&1 ||
        { cat "$LAB_TMP/dry-$method-apply.log" >&2; lab_fail "$method: the dry-run's setup commands fail"; }
    dump "$dry_ns" >"$LAB_TMP/want-$method.txt"

    sst_start client "real-$method" "${args[@]}"
    # The rules go in once the server answered; wait until two dumps a moment apart agree.
    local deadline=$((SECONDS + 60)) prev="" now
    while :; do
        sst_alive || { cat "$SST_LOG" >&2; lab_fail "$method: the client exited (status $(sst_status))"; }
        now=$(dump "sst-c-$LAB_ID")
        [[ -n $now && $now == *sshuttle* && $now == "$prev" ]] && break
        ((SECONDS < deadline)) || lab_fail "$method: the real client's rules never settled"
        prev=$now
        sleep 0.5
    done
    echo "$now" >"$LAB_TMP/got-$method.txt"
    sst_stop
    diff -u "$LAB_TMP/want-$method.txt" "$LAB_TMP/got-$method.txt" >&2 ||
        lab_fail "$method: the real run installed other rules than --dry-run printed (diff above: - dry, + real)"
    grep -q sshuttle "$LAB_TMP/want-$method.txt" || lab_fail "$method: the dry-run installed nothing"
    # Both namespaces empty for the next method: iptables leaves its emptied tables behind (test_cleanup.sh checks
    # that sshuttle's own chains are gone).
    ip netns del "$dry_ns"
    ip netns add "$dry_ns"
    lab_in client nft flush ruleset
}

listen=(-l "127.0.0.1:12300,[::1]:12300")
compare nat "${listen[@]}" --user root "$PRIVATE_V4" "$PRIVATE_V6"
lab_pass "nat: --dry-run (with --user) equals the real run"
compare nft "${listen[@]}" "$PRIVATE_V4" "$PRIVATE_V6"
lab_pass "nft: --dry-run equals the real run"
compare tproxy --tproxy-setup-routes "${listen[@]}" "$PRIVATE_V4" "$PRIVATE_V6"
lab_pass "tproxy: --dry-run equals the real run"

compare nat --dns -l 127.0.0.1:12300 "$PRIVATE_V4" "$PRIVATE_V6"
! grep -q "^# IPv6 rules" "$LAB_TMP/dry-nat.txt" || lab_fail "IPv6 rules in the dry-run without an IPv6 listener"
lab_pass "IPv4-only listen addresses (with --dns): no IPv6 rules, in the dry-run and in the real run"
lab_pass "dry_run_matches"
