#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# An installed sshuttle finds its plugins and its server helper relative to its own real location, and never
# looks into the build tree it was built in (whoever could recreate that tree's path would get their plugins
# loaded and their helper uploaded). `cmake --install` into a scratch prefix, then, with strace watching every
# file the binary touches: --version and --list-plugins name only the prefix's files; the build tree is never
# opened or even stat()ed; the prefix still works after it is moved, and through a symlink to the binary.
# Needs no network lab: nothing here changes the machine outside the scratch directory.
set -euo pipefail
BUILD=${SSHUTTLE_BUILD_DIR:?SSHUTTLE_BUILD_DIR must name the build tree}
BUILD=$(cd "$BUILD" && pwd -P)
# CTest hands every e2e test the build tree's plugin directory; an installed binary must get by without it.
unset SSHUTTLE_PLUGIN_PATH SSHUTTLE_SERVER_HELPER SSHUTTLE_ARGS
work=$(mktemp -d /tmp/sshuttle-install-XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"  # as root the loader refuses plugins below directories others may write

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

cmake --install "$BUILD" --prefix "$work/prefix" >"$work/install.log" 2>&1 || { cat "$work/install.log" >&2; fail "cmake --install"; }
libdir=$(sed -n 's/^CMAKE_INSTALL_LIBDIR:PATH=//p' "$BUILD/CMakeCache.txt")
libexecdir=$(sed -n 's/^CMAKE_INSTALL_LIBEXECDIR:PATH=//p' "$BUILD/CMakeCache.txt")
# A prefix whose name shares nothing with the build tree's path, so that a match below means the build tree.
mv "$work/prefix" "$work/moved"
prefix=$work/moved
bin=$prefix/bin/sshuttle
[[ -x $bin ]] || fail "no $bin after cmake --install"

# Runs the installed binary under strace; fails when any file-related system call names the build tree.
traced() {
    local out=$1
    shift
    strace -f -qq -e trace=%file -o "$work/trace" "$@" >"$out" 2>&1 || { cat "$out" >&2; fail "$* failed"; }
    if grep -F "$BUILD" "$work/trace" >"$work/build-tree-calls"; then
        head -5 "$work/build-tree-calls" >&2
        fail "$* looked into the build tree $BUILD (system calls above)"
    fi
}

traced "$work/version" "$bin" --version
cat "$work/version"
grep -q "^plugin directories: $prefix/$libdir/sshuttle/plugins, " "$work/version" ||
    fail "--version does not search $prefix/$libdir/sshuttle/plugins first"
grep -qx "server helper: $prefix/$libexecdir/sshuttle/sshuttle-server (SHA-256 [0-9a-f]*, matches)" "$work/version" ||
    fail "--version does not find the installed helper $prefix/$libexecdir/sshuttle/sshuttle-server"
grep -q "^transport ssh: in-process SSH (libssh2 [0-9.]*).* \[$prefix/$libdir/sshuttle/plugins/sshuttle-transport-ssh.so\]$" \
    "$work/version" || fail "--version does not name libssh2 from the installed transport plugin"
grep -q "^OpenSSL [0-9]" "$work/version" || fail "--version does not name OpenSSL"
grep -q "^plugin ABI [0-9]*\.[0-9]*$" "$work/version" || fail "--version does not name the plugin ABI"
pass "--version: the installed helper and plugins, libssh2 and OpenSSL; the build tree never touched"

traced "$work/plugins" "$bin" --list-plugins
for plugin in nat nft tproxy transport-ssh; do
    grep -qF "$prefix/$libdir/sshuttle/plugins/sshuttle-$plugin.so" "$work/plugins" ||
        { cat "$work/plugins" >&2; fail "--list-plugins does not list the installed sshuttle-$plugin.so"; }
done
pass "--list-plugins: the installed plugins; the build tree never touched"

# Called through a symlink elsewhere (as /usr/bin/sshuttle -> ../lib/... would be): its real location counts.
mkdir "$work/elsewhere"
ln -s "$bin" "$work/elsewhere/sshuttle"
traced "$work/linked" "$work/elsewhere/sshuttle" --list-plugins
grep -qF "$prefix/$libdir/sshuttle/plugins/sshuttle-nat.so" "$work/linked" ||
    { cat "$work/linked" >&2; fail "through a symlink the installed plugins are not found"; }
pass "through a symlink to the binary: the plugins of its real prefix"
pass "relocatable_install"
