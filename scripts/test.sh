#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Sets up, builds and runs every test (unit, golden, ABI and, as root, the end-to-end lab tests). Then, unless
# arguments select a subset (they go to ctest) or SSHUTTLE_SANITIZER_CHECKS=0, the instrumented checks of
# scripts/sanitizer-checks.sh: the fuzzers, the unit tests and a few end-to-end tests under ASan+UBSan, and the
# libssh2 channel pump under TSan. Any failure fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] && scripts/setup-deps.sh
build=${SSHUTTLE_BUILD_DIR:-build}
# Prefix /usr: the tree is also the one the Debian packages are made from (ctest -L package).
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr >/dev/null
cmake --build "$build" -j"$(nproc)"
status=0
(cd "$build" && ctest --output-on-failure --timeout 900 "$@") || status=$?
if [ $# -eq 0 ] && [ "${SSHUTTLE_SANITIZER_CHECKS:-1}" != 0 ]; then
  scripts/sanitizer-checks.sh || status=1
fi
exit $status
