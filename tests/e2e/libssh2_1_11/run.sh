#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# run.sh DIR TEST_SCRIPT: one e2e test, its clients on the built-in transport using the module that build.sh built
# against libssh2 1.11 in DIR instead of this build's own.
#
# How the client gets that module: it searches its build tree's plugin directory first, so SSHUTTLE_PLUGIN_PATH
# alone would still give it the tree's sshuttle-transport-ssh.so. But the transport "ssh" is looked up as
# sshuttle-ssh.so in every directory before sshuttle-transport-ssh.so in any (core/src/plugin/loader.cpp), so
# the 1.11 module, copied as DIR/as-ssh/sshuttle-ssh.so and that directory on SSHUTTLE_PLUGIN_PATH, wins.
#
# The test checks each client whose tunnel comes up (lib/expect_libssh2.sh: version logged, file mapped, cipher);
# this script requires at least one such check and prints what was negotiated.
set -euo pipefail
dir=$1 script=$2
module=$dir/as-ssh/sshuttle-ssh.so
[[ -f $module ]] || { echo "run.sh: no $module: e2e.libssh2_1_11.build makes it" >&2; exit 1; }
lib=$(ldd "$module" | awk '$1 == "libssh2.so.1" {print $3}')
[[ -n $lib ]] || { echo "run.sh: $module does not resolve libssh2.so.1" >&2; exit 1; }
seen=$(mktemp)
trap 'rm -f "$seen"' EXIT
SSHUTTLE_PLUGIN_PATH=$dir/as-ssh SSHUTTLE_E2E_EXPECT_LIBSSH2_LIB=$(realpath "$lib") SSHUTTLE_E2E_LIBSSH2_SEEN=$seen \
    bash "$script"
[[ -s $seen ]] || { echo "FAIL: $(basename "$script") checked no client for libssh2 ${SSHUTTLE_E2E_EXPECT_LIBSSH2:-}" >&2; exit 1; }
echo "libssh2 ${SSHUTTLE_E2E_EXPECT_LIBSSH2:-} ($(realpath "$lib")) checked in $(wc -l <"$seen") clients:" \
    "$(cut -d' ' -f2 "$seen" | sort | uniq -c | awk '{printf "%s%s x%s", (NR > 1 ? ", " : ""), $2, $1}')"
