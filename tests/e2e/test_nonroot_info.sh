#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# --list-plugins and --dry-run as a plain user (nobody, as in test_sudo_client.sh): they work, say that a method
# is usable through sudo where root could use it, and put no raw tool errors (iptables' "Permission denied")
# on the terminal. Also the checks that come before anything privileged: a --method that is not installed and an
# unknown option are refused with a suggestion, and IPv6 subnets with IPv4-only listen addresses get one warning.
# Nothing here installs rules: the probes run as root of a private user and network namespace.
set -euo pipefail
LAB_FIXTURE_MB=0
source "$(dirname "$0")/lib/lab.sh"
[[ $EUID -eq 0 ]] || lab_fail "needs root to become the plain user"
tmp=$(mktemp -d /tmp/sst-nonroot.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
user=nobody group=$(id -gn nobody)

# as_user OUT ERR ARGS...: the client as nobody (no sudo, no terminal), stdout and stderr in files; sets RC.
as_user() {
    local out=$1 err=$2; shift 2
    RC=0
    setpriv --reuid="$user" --regid="$group" --clear-groups env HOME="$tmp" "$SSHUTTLE_BIN" "$@" \
        </dev/null >"$out" 2>"$err" || RC=$?
}

# no_raw_errors FILE: stderr has none of the tools' own complaints.
no_raw_errors() {
    ! grep -qiE "permission denied|you must be root|Operation not permitted|iptables v|nft:" "$1" ||
        { cat "$1" >&2; lab_fail "raw tool errors on stderr ($1)"; }
}

as_user "$tmp/list.out" "$tmp/list.err" --list-plugins
((RC == 0)) || { cat "$tmp/list.err" >&2; lab_fail "--list-plugins as $user failed with status $RC"; }
no_raw_errors "$tmp/list.err"
for method in nat nft; do
    grep -E "^$method .*usable through sudo" "$tmp/list.out" >/dev/null ||
        { cat "$tmp/list.out" >&2; lab_fail "--list-plugins as $user does not call $method usable through sudo"; }
done
grep -q -- "--method auto would choose: nat" "$tmp/list.out" ||
    { cat "$tmp/list.out" >&2; lab_fail "--list-plugins as $user: auto would not choose nat"; }
lab_pass "--list-plugins as a plain user: nat and nft usable through sudo, no raw tool errors"

for method in auto nat nft tproxy; do
    as_user "$tmp/dry.out" "$tmp/dry.err" --dry-run --method "$method" -r "user@192.0.2.1" 198.51.100.0/24
    ((RC == 0)) || { cat "$tmp/dry.err" >&2; lab_fail "--dry-run --method $method as $user failed ($RC)"; }
    no_raw_errors "$tmp/dry.err"
    grep -q "198.51.100.0/24" "$tmp/dry.out" || lab_fail "--dry-run --method $method shows no rule for the subnet"
done
lab_pass "--dry-run as a plain user for auto, nat, nft and tproxy"

as_user "$tmp/m.out" "$tmp/m.err" --method nfts -r user@192.0.2.1 198.51.100.0/24
((RC == 2)) || lab_fail "--method nfts: status $RC, expected the usage error 2"
grep -qE "^sshuttle: unknown --method 'nfts' \(installed: auto, .*nat.*nft.*\); did you mean nft\?$" "$tmp/m.err" ||
    { cat "$tmp/m.err" >&2; lab_fail "--method nfts: no list and suggestion"; }
! grep -q "sudo" "$tmp/m.err" || lab_fail "--method nfts got as far as sudo"
lab_pass "an unknown --method is refused before sudo, with the methods and a suggestion"

as_user "$tmp/o.out" "$tmp/o.err" --dsn -r user@192.0.2.1 198.51.100.0/24
if ((RC != 2)) || ! grep -qx "sshuttle: unrecognized option '--dsn'; did you mean --dns?" "$tmp/o.err"; then
    cat "$tmp/o.err" >&2
    lab_fail "--dsn: status $RC, no suggestion"
fi
lab_pass "an unknown option gets a suggestion"

as_user "$tmp/v6.out" "$tmp/v6.err" --dry-run --method nat -l 127.0.0.1:0 2001:db8::/32 198.51.100.0/24
((RC == 0)) || { cat "$tmp/v6.err" >&2; lab_fail "--dry-run with IPv4-only listen failed ($RC)"; }
[[ $(grep -c "IPv6 subnets were ignored" "$tmp/v6.err") == 1 ]] ||
    { cat "$tmp/v6.err" >&2; lab_fail "no single warning about the ignored IPv6 subnet"; }
! grep -q "IPv6 rules" "$tmp/v6.out" || { cat "$tmp/v6.out" >&2; lab_fail "IPv6 rules without an IPv6 listener"; }
lab_pass "IPv6 subnets with IPv4-only listen addresses: one warning, no IPv6 rules"
lab_pass "nonroot_info"
