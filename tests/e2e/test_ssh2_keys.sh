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

lab_pass "ssh2_keys"
