#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The demo: on a fresh Debian 12 machine, as root. Installs the dependencies, builds, then builds a small
# network-namespace lab (a laptop, a bastion running a real sshd that does NOT forward packets, and a private
# network behind it), runs `sshuttle -r root@bastion 198.51.100.0/24` on the laptop, and fetches a page from the
# private network through the tunnel. Everything it creates is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "demo.sh: run as root (it installs packages and creates network namespaces)" >&2; exit 1; }
scripts/setup-deps.sh
build=${SSHUTTLE_BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" --target sshuttle sshuttle-server sshuttle-nat sshuttle-nft
export SSHUTTLE_BUILD_DIR=$PWD/$build SSHUTTLE_BIN=$PWD/$build/bin/sshuttle

source tests/e2e/lib/lab.sh
lab_setup
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "Without the tunnel the laptop cannot reach the private network (the bastion does not forward):"
lab_in client curl -sS -m 2 "http://$TARGET_V4:$HTTP_PORT/" || true

say "sshuttle -r root@$SERVER_V4 $PRIVATE_V4 $PRIVATE_V6 (first run uploads the server helper)"
sst_start_remote demo "$PRIVATE_V4" "$PRIVATE_V6"
sst_wait_tunnel "$TARGET_V4"
sed 's/^/    /' "$SST_LOG"

say "The same curl now goes through the tunnel:"
lab_in client curl -sS -m 10 "http://$TARGET_V4:$HTTP_PORT/" | head -5
lab_in client curl -sS -m 10 -g "http://[$TARGET_V6]:$HTTP_PORT/" | head -5

say "The laptop's firewall rules while sshuttle runs:"
sst_rules client | sed 's/^/    /'

say "Ctrl-C (SIGINT): sshuttle restores the firewall"
kill -INT "$SST_PID"
sst_wait_exit 20
echo "    sshuttle exited with status $SST_RC; sshuttle rules left: $(sst_rules client | wc -l)"
