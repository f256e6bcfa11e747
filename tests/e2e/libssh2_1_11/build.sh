#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# build.sh SOURCE_DIR DIR: the transport module and its unit tests built against libssh2 1.11.1 (libssh2.sh) in a
# build tree of their own, DIR, for the e2e.libssh2_1_11.* tests; only those targets are built. The module finds
# libssh2 by its RUNPATH. The module is also copied to DIR/as-ssh/sshuttle-ssh.so, where run.sh points the client.
set -euo pipefail
src=$1 dir=$2
here=$(cd "$(dirname "$0")" && pwd)
start=$SECONDS
prefix=$(bash "$here/libssh2.sh")
echo "build.sh: libssh2 1.11.1 in $prefix after $((SECONDS - start)) s"

# CMake keeps what pkg-config found in its cache: another prefix (a changed recipe) needs a fresh tree.
if [[ -f $dir/libssh2-prefix && "$(cat "$dir/libssh2-prefix")" != "$prefix" ]]; then rm -rf "$dir"; fi
mkdir -p "$dir"
echo "$prefix" >"$dir/libssh2-prefix"
start=$SECONDS
# CMAKE_PREFIX_PATH puts the prefix's pkgconfig first for pkg-config. No e2e tests in there (SSHUTTLE_E2E=OFF):
# they run from the main tree with run.sh.
cmake -S "$src" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_BUILD_RPATH="$prefix/lib" -DSSHUTTLE_E2E=OFF >/dev/null
found=$(sed -n 's/^LIBSSH2_VERSION:INTERNAL=//p' "$dir/CMakeCache.txt")
[[ $found == 1.11.1 ]] || { echo "build.sh: CMake found libssh2 '$found', not 1.11.1 from $prefix" >&2; exit 1; }
cmake --build "$dir" -j"$(nproc)" --target sshuttle-transport-ssh test_transport_ssh test_transport_ssh_parts
# Mode 0755 whatever the umask: as root the client skips a module in a directory others could write to.
install -d -m 0755 "$dir/as-ssh"
# The build tree mirrors the installed layout: the module is in <libdir>/sshuttle/plugins.
libdir=$(sed -n 's/^CMAKE_INSTALL_LIBDIR:PATH=//p' "$dir/CMakeCache.txt")
install -m 0755 "$dir/${libdir:-lib}/sshuttle/plugins/sshuttle-transport-ssh.so" "$dir/as-ssh/sshuttle-ssh.so"
lib=$(ldd "$dir/as-ssh/sshuttle-ssh.so" | awk '$1 == "libssh2.so.1" {print $3}')
[[ $lib == "$prefix/lib/"* ]] || { echo "build.sh: the module resolves libssh2.so.1 to '$lib', not into $prefix" >&2; exit 1; }
echo "build.sh: module and unit tests built against libssh2 1.11.1 (libssh2.so.1 => $lib) in $((SECONDS - start)) s"
