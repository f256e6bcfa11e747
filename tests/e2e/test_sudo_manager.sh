#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A plain user with exactly the sudoers rule `sshuttle --sudoers-no-modify` prints drives the firewall manager
# directly (tests/e2e/lib/manager_probe.py on a socketpair it made itself) and asks for more than its own:
# root's traffic (GO uid 0), a port it does not listen on (root's service), hosts lines without --auto-hosts, and
# a name /etc/hosts already has. Each is refused with a line naming the value; nothing is installed or written.
# The real /etc/sudoers.d and /etc/hosts are never touched: a private mount namespace gets temporary ones.
set -euo pipefail
LAB_FIXTURE_MB=0
source "$(dirname "$0")/lib/lab.sh"
command -v sudo >/dev/null || lab_fail "sudo is not installed (scripts/setup-deps.sh installs it)"
lab_setup

user=nobody group=$(id -gn nobody)
uid=$(id -u nobody)
sudoers="$LAB_TMP/sudoers.d"
hosts="$LAB_TMP/hosts"
mkdir -p "$sudoers"
"$SSHUTTLE_BIN" --sudoers-no-modify --sudoers-user "$user" >"$sudoers/sshuttle"
chmod 0440 "$sudoers/sshuttle"
printf '127.0.0.1 localhost\n192.0.2.5 intranet.example\n' >"$hosts"
original_hosts="$(cat "$hosts")"
chmod o+x "$LAB_TMP"

# A root service in the client namespace: the port a plain user must not point the redirect at.
lab_spawn client "$LAB_TMP/root_service.log" "$LAB_PY" "$LAB_DIR_SRC/echo_server.py" 7070
lab_wait_listen client 7070

# probe ORDER [probe options] [-- manager options]: the probe as nobody, with the temporary sudoers.d and
# hosts file mounted, driving `sudo -n sshuttle --firewall --method M [manager options]`.
probe() {
    local order=$1; shift
    local probe_args=() manager_args=()
    while (($#)) && [[ $1 != -- ]]; do probe_args+=("$1"); shift; done
    (($#)) && shift && manager_args=("$@")
    local setup command
    setup="$(printf 'mount --bind %q /etc/sudoers.d && mount --bind %q /etc/hosts' "$sudoers" "$hosts")"
    setup+="$(printf ' && exec setpriv --reuid=%q --regid=%q --clear-groups env PROBE_ORDER=%q' "$user" "$group" "$order")"
    command="$(printf ' %q' "$LAB_PY" "$LAB_DIR_SRC/manager_probe.py" "${probe_args[@]}" -- \
        sudo -n "$SSHUTTLE_BIN" --firewall --method "$SSHUTTLE_METHOD" "${manager_args[@]}")"
    lab_in client unshare -m --propagation private sh -c "$setup$command" </dev/null 2>&1
}

base="ROUTES|2,0,0,0.0.0.0,0,0|NSLIST"
out="$(probe "$base|PORTS 0,{port},0,0|GO 0 0 - 0x01 {pid}" --listen)"
[[ "$out" == *"ERROR refused: GO names uid 0: only your own traffic may be redirected (caller uid $uid"* ]] ||
    lab_fail "GO for uid 0 was not refused: $out"
[[ -z "$(sst_rules client)" ]] || lab_fail "rules installed for uid 0"
lab_pass "a plain user cannot redirect root's traffic"

out="$(probe "$base|PORTS 0,7070,0,0|GO 0 {uid} - 0x01 {pid}")"
[[ "$out" == *"ERROR refused: TCP port 7070 is held by uid 0, not by the caller (uid $uid)"* ]] ||
    lab_fail "a port held by root was not refused: $out"
[[ -z "$(sst_rules client)" ]] || lab_fail "rules installed for root's port"
lab_pass "a plain user cannot redirect to a port it does not listen on"

out="$(probe "ROUTES|2,24,0,203.0.113.0,0,0|NSLIST|PORTS 0,{port},0,0|GO 0 {uid} - 0x01 {pid}" --listen \
    --host github.com,203.0.113.66 --hold 1)"
[[ "$out" == *STARTED* ]] || lab_fail "the user's own request was refused: $out"
[[ "$out" == *"refusing host lines: the firewall manager was not started with --auto-hosts"* ]] ||
    lab_fail "hosts without --auto-hosts were not refused: $out"
[[ "$(cat "$hosts")" == "$original_hosts" ]] || lab_fail "the hosts file changed: $(cat "$hosts")"
[[ -z "$(sst_rules client)" ]] || lab_fail "rules left after the user's session"
lab_pass "a plain user's own request works, but no hosts lines without --auto-hosts"

# With --auto-hosts (allowed by the rule): a new name is added, a name the file already has is not shadowed.
out="$(probe "ROUTES|2,24,0,203.0.113.0,0,0|NSLIST|PORTS 0,{port},0,0|GO 0 - - 0x01 {pid}" --listen \
    --host INTRANET.example,203.0.113.66 --host fresh.example,203.0.113.7 --show /etc/hosts -- --auto-hosts)"
[[ "$out" == *"203.0.113.7 fresh.example"* ]] || lab_fail "a new name was not added with --auto-hosts: $out"
[[ "$out" == *"not overriding the existing hosts entry for 'INTRANET.example'"* ]] ||
    lab_fail "an existing name was not kept (or not reported): $out"
[[ "$out" != *"203.0.113.66"*AUTOCREATED* ]] || lab_fail "an existing name was shadowed: $out"
[[ "$(cat "$hosts")" == "$original_hosts" ]] || lab_fail "the hosts file was not restored: $(cat "$hosts")"
lab_pass "with --auto-hosts a plain user adds new names but cannot shadow an existing one"
# Plugin directories are root's choice: even a sudo rule that allows one (an administrator's own, broader rule)
# does not make the manager load a module from it for a plain user. As root the same module loads.
plugins="$LAB_TMP/plugins-root"
mkdir -p "$plugins"
cp "${SSHUTTLE_PLUGIN_PATH%%:*}/sshuttle-nat.so" "$plugins/sshuttle-natcopy.so"
chmod 0755 "$plugins"
printf '%s ALL=(root) NOPASSWD: %s --firewall --method natcopy --plugin-dir %s\n' "$user" "$SSHUTTLE_BIN" "$plugins" \
    >"$sudoers/plugin-dir"
chmod 0440 "$sudoers/plugin-dir"
[[ "$(echo | lab_in client "$SSHUTTLE_BIN" --firewall --method natcopy --plugin-dir "$plugins" 2>/dev/null | head -n 1)" == \
    "READY nat" ]] ||
    lab_fail "root could not load the module from $plugins (the check below would prove nothing)"
out="$(lab_in client unshare -m --propagation private sh -c \
    "$(printf 'mount --bind %q /etc/sudoers.d && exec setpriv --reuid=%q --regid=%q --clear-groups' "$sudoers" "$user" "$group")$(printf ' %q' \
        sudo -n "$SSHUTTLE_BIN" --firewall --method natcopy --plugin-dir "$plugins")" </dev/null 2>&1 || true)"
[[ "$out" == *"ignoring --plugin-dir and SSHUTTLE_PLUGIN_PATH: the caller (uid $uid) is not root"* &&
    "$out" == *"ERROR firewall method 'natcopy' (sshuttle-natcopy.so) not found"* ]] ||
    lab_fail "the manager took a plugin directory from a plain user: $out"
lab_pass "a plain user's --plugin-dir is ignored even where sudo allows it"

# --sudoers-user with a newline would have put a rule of its own into the fragment.
rc=0
out="$("$SSHUTTLE_BIN" --sudoers-no-modify --sudoers-user $'alice\nALL ALL=(ALL) NOPASSWD: ALL' 2>&1)" || rc=$?
[[ $rc -eq 2 && "$out" == *"invalid --sudoers-user 'alice?ALL ALL=(ALL) NOPASSWD: ALL'"* && "$out" != *NOPASSWD:*SSHUTTLE* ]] ||
    lab_fail "--sudoers-user with a newline was not refused (status $rc): $out"
lab_pass "--sudoers-user with a newline is refused"
lab_pass "sudo_manager"
