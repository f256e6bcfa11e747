#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The client as a plain user: it starts the firewall manager through sudo, allowed by exactly the fragment that
# `sshuttle --sudoers-no-modify` prints, and tunnels. sudo refuses anything broader (--plugin-dir would load code
# as root). The real /etc/sudoers.d is never touched: a private mount namespace gets a temporary one.
set -euo pipefail
LAB_FIXTURE_MB=0
source "$(dirname "$0")/lib/lab.sh"
command -v sudo >/dev/null || lab_fail "sudo is not installed (scripts/setup-deps.sh installs it)"
lab_setup

user=nobody group=$(id -gn nobody)
home="$LAB_TMP/home-$user"
sudoers="$LAB_TMP/sudoers.d"
mkdir -p "$home/.ssh" "$sudoers"
cp "$LAB_SSH_KEY" "$home/.ssh/id"
sed "s|IdentityFile .*|IdentityFile $home/.ssh/id|" "$LAB_SSH_CONFIG" >"$home/.ssh/config"
chown -R "$user:$group" "$home"
chmod 700 "$home/.ssh"
"$SSHUTTLE_BIN" --sudoers-no-modify --sudoers-user "$user" >"$sudoers/sshuttle"
chmod 0440 "$sudoers/sshuttle"
visudo -c -q -f "$sudoers/sshuttle" || lab_fail "visudo rejects the --sudoers-no-modify fragment"
chmod o+x "$LAB_TMP"  # nobody must reach its home inside the lab directory

# as_user_cmd CMD...: a shell command running CMD as nobody with the temporary sudoers.d mounted. Without
# SSHUTTLE_PLUGIN_PATH: the client would turn it into --plugin-dir, which the fragment rightly does not allow.
as_user_cmd() {
    printf 'mount --bind %q /etc/sudoers.d && exec setpriv --reuid=%q --regid=%q --clear-groups env -u SSHUTTLE_PLUGIN_PATH HOME=%q' \
        "$sudoers" "$user" "$group" "$home"
    printf ' %q' "$@"
}

SST_LOG="$LAB_TMP/sudo_client.log" SST_ROLE=client
lab_spawn client "$SST_LOG" unshare -m --propagation private sh -c \
    "$(as_user_cmd "$SSHUTTLE_BIN" -v -r "root@$SERVER_V4" -e "ssh -F $home/.ssh/config" --method "$SSHUTTLE_METHOD" \
        "$PRIVATE_V4" "$PRIVATE_V6")"
SST_PID=$LAB_LAST_PID
sst_wait_tunnel "$TARGET_V4"
sst_expect_proxied client "$TARGET_V4" >/dev/null
sst_expect_proxied client "$TARGET_V6" >/dev/null
grep -q "starting the firewall manager: sudo " "$SST_LOG" || lab_fail "the client did not start the firewall manager through sudo (log above)"
lab_pass "a plain user tunnels, with the firewall manager started through sudo"
sst_stop

# Anything broader than the exact command lines is refused.
rc=0
lab_in client unshare -m --propagation private sh -c \
    "$(as_user_cmd sudo -n "$SSHUTTLE_BIN" --firewall --method nat --plugin-dir /tmp)" </dev/null >/dev/null 2>&1 || rc=$?
((rc != 0)) || lab_fail "sudo allowed the firewall manager with --plugin-dir"
lab_pass "sudo refuses the firewall manager with --plugin-dir"

# A sudoers rule for a binary that a user can replace would give that user root: refused.
cp "$SSHUTTLE_BIN" "$home/sshuttle"
chown "$user" "$home/sshuttle"
rc=0
out="$("$home/sshuttle" --sudoers-no-modify 2>&1)" || rc=$?
[[ $rc -ne 0 && "$out" == *"is not owned by root"* ]] ||
    lab_fail "--sudoers-no-modify printed a rule for a user-owned binary (status $rc): $out"
lab_pass "no sudoers rule for a binary a user could replace"

# Local mode as a plain user would loop every connection (its server cannot mark them): refused up front.
rc=0
out="$(lab_in client setpriv --reuid="$user" --regid="$group" --clear-groups "$SSHUTTLE_BIN" "$PRIVATE_V4" 2>&1)" || rc=$?
[[ $rc -eq 2 && "$out" == *"must run as root"* ]] || lab_fail "local mode as $user was not refused (status $rc): $out"
lab_pass "local mode as a plain user is refused"
lab_pass "sudo_client"
