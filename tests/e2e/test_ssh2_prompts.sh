#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The built-in SSH transport asking a person at a terminal: the client runs on a pseudo-terminal of its own and
# its prompts are answered there, as typed. Keyboard-interactive through PAM (typed, and from -r user:pw@host,
# and a wrong answer refused with the methods named), the passphrase of an encrypted key, and an unknown host
# under StrictHostKeyChecking ask, whose prompt shows the fingerprint and whose "yes" records the key.
set -euo pipefail
source "$(dirname "$0")/lib/ssh2_lab.sh"
ssh2_setup
unset SSH_ASKPASS SSH_ASKPASS_REQUIRE DISPLAY SSH_AUTH_SOCK
PORT=2222
SECRET="lab-secret-42"
ssh2_secret_only_lab "$PORT" "$SECRET" kbdint

ssh2_start kbdint_from_remote -r "root:$SECRET@$SERVER_V4:$PORT" "$PRIVATE_V4"
sst_wait_tunnel "$TARGET_V4"
ssh2_expect_builtin "$PORT"
sst_stop
grep -q "Accepted keyboard-interactive/pam for root" "$LAB_TMP/sshd-password.log" ||
    lab_fail "sshd did not log a keyboard-interactive login: $(tail -5 "$LAB_TMP/sshd-password.log")"
lab_pass "keyboard-interactive answered from -r user:password@host"

ssh2_write_config "    BatchMode no"
ssh2_start_on_tty kbdint_tty "(root@$SERVER_V4) Password:" "$SECRET" -- -r "root@$SERVER_V4:$PORT" "$PRIVATE_V4"
sst_wait_tunnel "$TARGET_V4"
sst_stop
grep -q "$SECRET" "$SST_LOG" && lab_fail "the typed password was echoed on the terminal"
lab_pass "keyboard-interactive typed at the terminal, without echo"

ssh2_start kbdint_wrong -r "root:not-the-password@$SERVER_V4:$PORT" "$PRIVATE_V4"
ssh2_expect_failure 90 "tried keyboard-interactive; the server offers keyboard-interactive"
lab_pass "a wrong keyboard-interactive answer is refused with the methods named"

ssh2_trust "$SERVER_V4"
ssh2_encrypted_key "key-pass-7"
SSH2_IDENTITY="$SSH2_ENC_KEY"
ssh2_write_config "    BatchMode no"
ssh2_start_on_tty passphrase_tty "Enter passphrase for key '$SSH2_ENC_KEY': " "key-pass-7" -- \
    -r "root@$SERVER_V4" "$PRIVATE_V4"
sst_wait_tunnel "$TARGET_V4"
ssh2_expect_builtin
sst_stop
grep -q "key-pass-7" "$SST_LOG" && lab_fail "the typed passphrase was echoed on the terminal"
lab_pass "the passphrase of an encrypted key typed at the terminal"

: >"$SSH2_KNOWN"
SSH2_IDENTITY=""
ssh2_write_config "    BatchMode no
    StrictHostKeyChecking ask"
fingerprint="$(ssh-keygen -lf "$LAB_TMP/ssh/host_ed25519.pub" | awk '{print $2}')"
ssh2_start_on_tty ask_tty "(yes/no/[fingerprint])? " "yes" -- -r "root@$SERVER_V4" "$PRIVATE_V4"
sst_wait_tunnel "$TARGET_V4"
sst_stop
grep -qF "The authenticity of host '$SERVER_V4' can't be established." "$SST_LOG" ||
    lab_fail "no host key question on the terminal: $(head -c 2000 "$SST_LOG")"
grep -qF "$fingerprint" "$SST_LOG" || lab_fail "the question does not show the fingerprint $fingerprint"
ssh-keygen -F "$SERVER_V4" -f "$SSH2_KNOWN" >/dev/null || lab_fail "'yes' did not record the host key in $SSH2_KNOWN"
lab_pass "StrictHostKeyChecking ask: the fingerprint shown on the terminal, 'yes' records the key"

lab_pass "ssh2_prompts"
