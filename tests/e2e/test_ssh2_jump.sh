#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# ProxyJump with the built-in SSH transport: the client reaches a second sshd in the target namespace, which
# it cannot reach directly, through the lab sshd as a jump host (a direct-tcpip channel carrying the second
# SSH session). The sshuttle server then runs on the far host.
set -euo pipefail
source "$(dirname "$0")/lib/ssh2_lab.sh"
ssh2_setup
ssh2_start_target_sshd
ssh2_trust "$SERVER_V4"
ssh2_trust "$TARGET_V4" 22 "$SSH2_DIR/target_host.pub"
ssh2_write_config "" "Host $TARGET_V4
    ProxyJump root@$SERVER_V4"

# The far host is the target itself, so tunnel its second network (the same echo server answers there).
ssh2_start jump -r "root@$TARGET_V4" "$OTHERNET_V4"
sst_wait_tunnel "$OTHER_V4"
seen="$(sst_expect_proxied client "$OTHER_V4")"
# The far host connects to its own address; through the lab sshd the echo server would see 203.0.113.1.
[[ "$seen" == "$OTHER_V4" || "$seen" == "$TARGET_V4" ]] ||
    lab_fail "the echo server saw '$seen', expected the far host's own address"
ssh2_expect_builtin
grep -q "Accepted publickey for root from 198.51.100.1" "$LAB_TMP/sshd-target.log" ||
    lab_fail "the far sshd was not reached from the jump host (see sshd-target.log)"
sst_stop
lab_pass "ssh2_jump"
