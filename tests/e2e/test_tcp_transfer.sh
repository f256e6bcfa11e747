#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Through an ssh tunnel, IPv4 and IPv6: a small curl, then a 100 MB download and a 100 MB upload, checksummed.
set -euo pipefail
source "$(dirname "$0")/lib/lab.sh"
lab_setup

sst_start_remote tcp_transfer "$PRIVATE_V4" "$PRIVATE_V6"
sst_wait_tunnel "$TARGET_V4"

for host in "$TARGET_V4" "$TARGET_V6"; do
    seen="$(sst_expect_proxied client "$host")"
    [[ "$seen" == 198.51.100.1 || "$seen" == 2001:db8:7::1 ]] ||
        lab_fail "$host saw the connection from '$seen', expected the ssh server's private address"
    sst_transfer_checks client "$host"
    lab_pass "curl, 100 MB download and upload via $host"
done

sst_stop
lab_pass "tcp_transfer"
