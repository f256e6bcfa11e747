#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Password authentication with the built-in SSH transport: from -r user:password@host, from SSH_ASKPASS, and
# a wrong password refused with a message naming the methods (against an sshd that offers passwords only).
set -euo pipefail
source "$(dirname "$0")/lib/ssh2_lab.sh"
ssh2_setup
PORT=2222
ssh2_secret_only_lab "$PORT" "lab-secret-42"

ssh2_start password_in_remote -r "root:lab-secret-42@$SERVER_V4:$PORT" "$PRIVATE_V4"
sst_wait_tunnel "$TARGET_V4"
ssh2_expect_builtin "$PORT"
sst_stop
grep -q "Accepted password for root" "$LAB_TMP/sshd-password.log" || lab_fail "sshd did not log a password login"
lab_pass "password from -r user:password@host"

ssh2_write_config "    BatchMode no"
ssh2_askpass "lab-secret-42"
ssh2_start password_askpass -r "root@$SERVER_V4:$PORT" "$PRIVATE_V4"
sst_wait_tunnel "$TARGET_V4"
sst_stop
lab_pass "password from SSH_ASKPASS"

ssh2_start password_wrong -r "root:not-the-password@$SERVER_V4:$PORT" "$PRIVATE_V4"
ssh2_expect_failure 60 "authentication as root@$SERVER_V4 failed: tried password; the server offers password"
lab_pass "a wrong password is refused with the methods named"

lab_pass "ssh2_password"
