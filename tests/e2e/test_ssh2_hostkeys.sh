#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Host keys with the built-in SSH transport: an unknown host under each StrictHostKeyChecking mode (yes
# refuses, accept-new and no record it, ask asks through SSH_ASKPASS or refuses without anyone to ask), and a
# changed key refused naming the known_hosts file and line.
set -euo pipefail
source "$(dirname "$0")/lib/ssh2_lab.sh"
ssh2_setup

start_with() {  # start_with NAME MODE [MORE CONFIG LINES]
    ssh2_write_config "    StrictHostKeyChecking $2${3:+
$3}"
    ssh2_start "$1" -r "root@$SERVER_V4" "$PRIVATE_V4"
}
expect_up() {
    sst_wait_tunnel "$TARGET_V4"
    ssh2_expect_builtin
    sst_stop
}

start_with unknown_yes yes
ssh2_expect_failure 60 "no host key is known for $SERVER_V4 (ssh-ed25519 key SHA256:"
grep -qF "StrictHostKeyChecking is yes" "$SST_LOG" || lab_fail "the refusal does not name StrictHostKeyChecking"
lab_pass "unknown host refused under StrictHostKeyChecking yes"

start_with unknown_accept_new accept-new
expect_up
grep -q "ssh-ed25519" "$SSH2_KNOWN" || lab_fail "accept-new did not record the key in $SSH2_KNOWN"
start_with known_yes yes
expect_up
lab_pass "accept-new records the key, which then passes StrictHostKeyChecking yes"

: >"$SSH2_KNOWN"
start_with unknown_no no
expect_up
lab_pass "StrictHostKeyChecking no accepts an unknown host"

: >"$SSH2_KNOWN"
start_with unknown_ask_batch ask
ssh2_expect_failure 60 "nobody can be asked"
lab_pass "ask without anyone to ask (BatchMode) refuses"

ssh2_askpass "yes"
start_with unknown_ask_yes ask "    BatchMode no"
expect_up
grep -q "ssh-ed25519" "$SSH2_KNOWN" || lab_fail "the accepted key was not recorded"
lab_pass "ask: 'yes' through SSH_ASKPASS accepts and records the key"

: >"$SSH2_KNOWN"
ssh2_askpass "no"
start_with unknown_ask_no ask "    BatchMode no"
ssh2_expect_failure 60 "was not accepted"
lab_pass "ask: 'no' refuses"

# Another key for the same address, on line 2: a changed key, refused whatever the mode says.
ssh-keygen -q -t ed25519 -N '' -C sst-impostor -f "$SSH2_DIR/impostor"
printf '# lab\n%s %s\n' "$SERVER_V4" "$(cut -d' ' -f1,2 "$SSH2_DIR/impostor.pub")" >"$SSH2_KNOWN"
start_with changed_no no
ssh2_expect_failure 60 "host key for $SERVER_V4 has changed"
grep -qF "$SSH2_KNOWN:2" "$SST_LOG" || lab_fail "the refusal does not name $SSH2_KNOWN:2"
lab_pass "a changed host key is refused naming the file and line"

lab_pass "ssh2_hostkeys"
