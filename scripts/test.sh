#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Sets up, builds and runs every test (unit, golden, ABI and, as root, the end-to-end lab tests).
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] && scripts/setup-deps.sh
build=${SSHUTTLE_BUILD_DIR:-build}
# Prefix /usr: the tree is also the one the Debian packages are made from (ctest -L package).
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr >/dev/null
cmake --build "$build" -j"$(nproc)"
cd "$build"
ctest --output-on-failure --timeout 900 "$@"
