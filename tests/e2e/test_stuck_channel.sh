#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# One connection that stops reading must stall only itself, on both ends of the tunnel:
#  - client side: an application sends an HTTP request for the big file and never reads the answer;
#  - server side: a destination accepts and never reads while the client application keeps writing to it.
# With both stuck, a checksummed 20 MB download and upload through the same tunnel must finish, over our
# server (windows, docs/mux-extension.md). Before, the server or the client stopped reading the whole transport
# once 8 MiB waited for the stuck socket, and everything froze.
set -euo pipefail
LAB_FIXTURE_MB=${LAB_FIXTURE_MB:-20}
source "$(dirname "$0")/lib/lab.sh"
lab_setup

STUCK_PORT=7100
lab_spawn target "$LAB_TMP/stuck_listen.log" "$LAB_PY" "$LAB_DIR_SRC/stuck_peer.py" listen "$STUCK_PORT"
lab_wait_listen target "$STUCK_PORT"

sst_start_remote stuck_channel "$PRIVATE_V4" "$PRIVATE_V6"
sst_wait_tunnel "$TARGET_V4"

lab_spawn client "$LAB_TMP/stuck_reader.log" "$LAB_PY" -u "$LAB_DIR_SRC/stuck_peer.py" reader "$TARGET_V4" \
    "$HTTP_PORT" /big.bin
lab_spawn client "$LAB_TMP/stuck_writer.log" "$LAB_PY" -u "$LAB_DIR_SRC/stuck_peer.py" writer "$TARGET_V4" \
    "$STUCK_PORT"
for log in stuck_reader stuck_writer; do
    for _ in $(seq 100); do grep -q ready "$LAB_TMP/$log.log" && break; sleep 0.1; done
    grep -q ready "$LAB_TMP/$log.log" || lab_fail "$log did not start: $(cat "$LAB_TMP/$log.log")"
done

sst_transfer_checks client "$TARGET_V4"
lab_pass "20 MB down and up while one reader and one destination are stuck"
sst_stop
lab_pass "stuck_channel"
