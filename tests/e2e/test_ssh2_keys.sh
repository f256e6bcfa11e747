#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The built-in SSH transport (libssh2, no ssh child) logs in with an identity file, with a key held by
# ssh-agent, and with an encrypted key whose passphrase comes from SSH_ASKPASS; a wrong passphrase is an
# authentication failure that names what was tried. The first tunnel also moves a checksummed transfer.
set -euo pipefail
source "$(dirname "$0")/lib/ssh2_lab.sh"
ssh2_setup
ssh2_trust "$SERVER_V4"

ssh2_start keys_file -r "root@$SERVER_V4" "$PRIVATE_V4" "$PRIVATE_V6"
sst_wait_tunnel "$TARGET_V4"
ssh2_expect_builtin
sst_transfer_checks client "$TARGET_V4"
sst_transfer_checks client "$TARGET_V6"
sst_stop
lab_pass "identity file (and a transfer over IPv4 and IPv6)"

# The configured identity is unknown to the server: only the agent's key can log in.
ssh-keygen -q -t ed25519 -N '' -C sst-unknown -f "$SSH2_DIR/id_unknown"
SSH2_IDENTITY="$SSH2_DIR/id_unknown"
ssh2_write_config "    IdentitiesOnly no"
ssh2_start_agent
ssh2_start keys_agent -r "root@$SERVER_V4" "$PRIVATE_V4"
sst_wait_tunnel "$TARGET_V4"
ssh2_expect_builtin
sst_stop
lab_pass "ssh-agent"

# The encrypted key alone (no agent): the passphrase comes from SSH_ASKPASS, as ssh would ask for it.
kill "$SSH2_AGENT_PID"
unset SSH_AUTH_SOCK
ssh2_encrypted_key "correct horse battery"
SSH2_IDENTITY=$SSH2_ENC_KEY
ssh2_write_config "    BatchMode no"
ssh2_askpass "correct horse battery"
ssh2_start keys_encrypted -r "root@$SERVER_V4" "$PRIVATE_V4"
sst_wait_tunnel "$TARGET_V4"
ssh2_expect_builtin
sst_stop
lab_pass "encrypted key with its passphrase from SSH_ASKPASS"

ssh2_askpass "wrong passphrase"
ssh2_start keys_wrong_passphrase -r "root@$SERVER_V4" "$PRIVATE_V4"
ssh2_expect_failure 60 "authentication as root@$SERVER_V4 failed: tried publickey ($SSH2_ENC_KEY); the server offers publickey"
lab_pass "a wrong passphrase is an authentication failure naming the key"

# An RSA key with the libssh2 transport asked for by name: libssh2 1.11 signs with rsa-sha2-512/256, which this
# OpenSSH accepts, so it logs in; 1.10 signs only with ssh-rsa (SHA-1), which OpenSSH 8.8+ refuses, and the failure
# says so. (The default transport takes the ssh program there instead: test_ssh2_first_run.sh.)
unset SSH_ASKPASS SSH_ASKPASS_REQUIRE
ssh-keygen -q -t rsa -b 2048 -N '' -C sst-rsa -f "$SSH2_DIR/id_rsa"
cat "$SSH2_DIR/id_rsa.pub" >>"$LAB_TMP/ssh/authorized_keys"
SSH2_IDENTITY="$SSH2_DIR/id_rsa"
ssh2_write_config ""
ssh2_start keys_rsa --transport ssh -r "root@$SERVER_V4" "$PRIVATE_V4"
if ssh2_libssh2_at_least 11 "$LAB_TMP/keys_file.log"; then
    sst_wait_tunnel "$TARGET_V4"
    ssh2_expect_builtin
    sst_stop
    lab_pass "an RSA key logs in (rsa-sha2)"
else
    ssh2_expect_failure 60 "signs RSA keys only with ssh-rsa (SHA-1), which OpenSSH 8.8+ servers refuse"
    lab_pass "an RSA key is refused, and the failure explains the libssh2 limitation"
fi

lab_pass "ssh2_keys"
