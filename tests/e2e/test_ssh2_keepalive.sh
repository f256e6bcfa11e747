#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Dead-peer detection with the built-in SSH transport: once the path to sshd silently drops every packet, the
# client notices within ServerAliveInterval x ServerAliveCountMax, says so, and (with --no-reconnect) exits, and
# its rules are removed.
set -euo pipefail
source "$(dirname "$0")/lib/ssh2_lab.sh"
ssh2_setup
ssh2_trust "$SERVER_V4"
ssh2_write_config "    ServerAliveInterval 1
    ServerAliveCountMax 3"

ssh2_start keepalive --no-reconnect -r "root@$SERVER_V4" "$PRIVATE_V4"
sst_wait_tunnel "$TARGET_V4"
ssh2_expect_builtin
# Cut the path: the server namespace drops ssh traffic both ways, nothing is reset or closed.
lab_in server iptables -I INPUT -p tcp --dport 22 -j DROP
lab_in server iptables -I OUTPUT -p tcp --sport 22 -j DROP
ssh2_expect_failure 30 "no answer from $SERVER_V4 for 3 s (ServerAliveInterval 1 x ServerAliveCountMax 3)"
lab_pass "ssh2_keepalive"
