#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# --user and --group (nat method, owner match): only that user's (or group's) connections are tunnelled; everyone
# else's go untouched (and, as the ssh server does not forward, do not get through).
set -euo pipefail
source "$(dirname "$0")/lib/lab.sh"
LAB_FIXTURE_MB=0 lab_setup

# whoami.py as another user in the client namespace: prints 'local_port seen_ip seen_port'.
as_user() {
    local user=$1 host=$2
    lab_in client setpriv --reuid="$user" --regid="$(id -g "$user")" --clear-groups \
        "$LAB_PY" "$LAB_DIR_SRC/whoami.py" "$host" "$ECHO_PORT" 3
}

expect_tunnelled_for() {
    local user=$1 host=$2 out local_port seen_ip seen_port
    out="$(as_user "$user" "$host")" || lab_fail "$user could not reach $host through the tunnel"
    read -r local_port seen_ip seen_port <<<"$out"
    [[ "$local_port" != "$seen_port" ]] || lab_fail "$user's connection to $host was not proxied"
}

expect_untouched_for() {
    local user=$1 host=$2
    if as_user "$user" "$host" >/dev/null 2>&1; then lab_fail "$user's connection to $host was tunnelled"; fi
}

for selector in "--user nobody" "--group nogroup"; do
    # shellcheck disable=SC2086  # the selector is two words on purpose
    sst_start_remote user_group $selector "$PRIVATE_V4" "$PRIVATE_V6"
    # The readiness probe runs as nobody: root's own probes are not tunnelled any more.
    deadline=$((SECONDS + 60))
    until as_user nobody "$TARGET_V4" >/dev/null 2>&1; do
        sst_alive || lab_fail "the client exited (status $(sst_status)) before the tunnel came up"
        ((SECONDS < deadline)) || lab_fail "no tunnel for nobody after 60s"
        sleep 0.1
    done
    for host in "$TARGET_V4" "$TARGET_V6"; do
        expect_tunnelled_for nobody "$host"
        expect_untouched_for root "$host"
    done
    lab_pass "$selector: nobody's connections are tunnelled, root's are not (IPv4 and IPv6)"
    sst_stop
done
lab_pass "user_group"
