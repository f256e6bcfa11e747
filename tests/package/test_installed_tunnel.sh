#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The Debian packages as a user gets them: unpacked into an empty root, checked for the promised layout
# (stripped program and plugins, debug symbols in the dbgsym package, the server helper byte for byte as built),
# then the demo's tunnel runs on the installed files only.
#
# The tunnel runs in a private mount namespace (nothing here is visible to the machine itself) in which
#   - the unpacked /usr of the packages is laid over the system's /usr (a read-only overlay): the system as it
#     would be with sshuttle-cpp installed, Debian's own /usr/bin/sshuttle hidden as Conflicts/Replaces would
#     remove it; and
#   - an empty tmpfs is mounted over the build tree, so nothing can be loaded from there (the build's paths
#     are compiled into binaries that predate the relocatable lookup).
# Why not dpkg --root or a debootstrap chroot: the tunnel needs sshd, iptables, python3 and the libraries the
# packages depend on, i.e. a whole system; debootstrap takes minutes and needs the network, and dpkg --root
# into an empty root would not have them. The CI host has Debian's sshuttle installed (interop tests), which
# the overlay hides without removing it.
#
# Needs root; SSHUTTLE_BUILD_DIR is the build tree whose packages scripts/package.sh made.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SRC="$(cd "$HERE/../.." && pwd)"
BUILD="$(cd "${SSHUTTLE_BUILD_DIR:-$SRC/build}" && pwd)"
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
pass() { printf 'PASS: %s\n' "$*" >&2; }
[[ $EUID -eq 0 ]] || fail "needs root (mount namespace, network namespaces, sshd)"

if [[ -z ${SSHUTTLE_PKG_ROOT:-} ]]; then
    # Outside the namespace: unpack and check the packages, then run the rest in a private mount namespace.
    shopt -s nullglob
    debs=("$BUILD"/packages/sshuttle-cpp_*.deb "$BUILD"/packages/sshuttle-cpp-dev_*.deb)
    ddebs=("$BUILD"/packages/sshuttle-cpp-dbgsym_*.ddeb)
    ((${#debs[@]} == 2 && ${#ddebs[@]} == 1)) ||
        fail "no packages in $BUILD/packages (scripts/package.sh $BUILD makes them)"
    root=$(mktemp -d /tmp/sst-pkg-root.XXXXXX)
    dbg=$(mktemp -d /tmp/sst-pkg-dbgsym.XXXXXX)
    trap 'rm -rf "$root" "$dbg"' EXIT
    for deb in "${debs[@]}"; do dpkg-deb -x "$deb" "$root"; done
    dpkg-deb -x "${ddebs[0]}" "$dbg"

    # The replace-Debian's-sshuttle decision, as the control file says it.
    for field in Conflicts Replaces Provides; do
        [[ $(dpkg-deb -f "${debs[0]}" "$field") == sshuttle ]] || fail "sshuttle-cpp's $field is not 'sshuttle'"
    done
    [[ $(dpkg-deb -f "${debs[0]}" Version) == "$("$BUILD/bin/sshuttle" --version | head -n 1 | awk '{print $NF}')" ]] ||
        fail "the package version is not the program's version"

    plugin_dir=$(cd "$root" && echo usr/lib/*/sshuttle/plugins)
    [[ -d $root/$plugin_dir ]] || fail "no plugin directory usr/lib/<multiarch>/sshuttle/plugins in the package"
    for f in usr/bin/sshuttle usr/libexec/sshuttle/sshuttle-server "$plugin_dir"/sshuttle-nat.so \
        "$plugin_dir"/sshuttle-nft.so "$plugin_dir"/sshuttle-tproxy.so "$plugin_dir"/sshuttle-transport-ssh.so \
        usr/share/man/man1/sshuttle.1.gz usr/share/bash-completion/completions/sshuttle \
        usr/lib/systemd/system/sshuttle.service usr/lib/systemd/system/sshuttle@.service \
        usr/share/sshuttle/examples/sshuttle.example.yaml usr/share/doc/sshuttle-cpp/copyright \
        usr/include/sshuttle/plugin_abi.h usr/include/sshuttle/plugin_sdk.hpp; do
        [[ -f $root/$f ]] || fail "the packages do not install /$f"
    done
    grep -q "ExecStart=/usr/bin/sshuttle " "$root/usr/lib/systemd/system/sshuttle.service" ||
        fail "sshuttle.service does not start /usr/bin/sshuttle"
    pass "layout: program, plugins, helper, man page, completion, units, examples, SDK"

    # Stripped, with the debug symbols in the dbgsym package under the file's build id.
    for f in usr/bin/sshuttle "$plugin_dir"/sshuttle-nat.so "$plugin_dir"/sshuttle-transport-ssh.so; do
        LC_ALL=C file "$root/$f" | grep -q ', stripped' || fail "/$f is not stripped"
        id=$(readelf -n "$root/$f" | sed -n 's/.*Build ID: \([0-9a-f]*\).*/\1/p')
        [[ -n $id ]] || fail "/$f has no build id"
        debug="$dbg/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug"
        [[ -s $debug ]] || fail "no debug symbols for /$f in the dbgsym package ($debug)"
        # Captured, not piped into grep -q: under pipefail, grep's early exit can fail readelf with SIGPIPE.
        [[ $(readelf -S "$debug" 2>/dev/null) == *.debug_info* ]] || fail "$debug has no .debug_info"
    done
    printf 'sizes: sshuttle built %s bytes, installed %s bytes\n' "$(stat -c %s "$BUILD/bin/sshuttle")" \
        "$(stat -c %s "$root/usr/bin/sshuttle")" >&2
    pass "program and plugins stripped, their debug symbols in sshuttle-cpp-dbgsym"

    # The client names the helper by its content hash; the package must carry the exact bytes that were built.
    cmp -s "$BUILD/libexec/sshuttle/sshuttle-server" "$root/usr/libexec/sshuttle/sshuttle-server" ||
        fail "the packaged server helper differs from the built one"
    LC_ALL=C file "$root/usr/libexec/sshuttle/sshuttle-server" | grep -q 'statically linked' ||
        fail "the packaged server helper is not statically linked"
    pass "server helper packaged byte for byte as built"

    SSHUTTLE_PKG_ROOT=$root unshare --mount --propagation private bash "$0"
    exit
fi

# Inside the private mount namespace.
mount -t overlay sst-pkg -o "ro,lowerdir=$SSHUTTLE_PKG_ROOT/usr:/usr" /usr
mount -t tmpfs -o ro,size=1m sst-no-build-tree "$BUILD"
[[ -z "$(ls -A "$BUILD")" ]] || fail "the build tree is still visible"
unset SSHUTTLE_PLUGIN_PATH SSHUTTLE_SERVER_HELPER SSHUTTLE_ARGS
export SSHUTTLE_BIN=/usr/bin/sshuttle SSHUTTLE_E2E_TRANSPORT=builtin LAB_FIXTURE_MB=1

cmp -s /usr/bin/sshuttle "$SSHUTTLE_PKG_ROOT/usr/bin/sshuttle" || fail "/usr/bin/sshuttle is not the package's"
plugin_dir=$(echo /usr/lib/*/sshuttle/plugins)
plugins=$(sshuttle --list-plugins 2>&1) || fail "sshuttle --list-plugins failed: $plugins"
for name in nat nft tproxy transport-ssh; do
    grep -q "$plugin_dir/sshuttle-$name.so" <<<"$plugins" ||
        fail "--list-plugins does not show $plugin_dir/sshuttle-$name.so: $plugins"
done
pass "the installed sshuttle finds the installed plugins ($plugin_dir)"
[[ $(zcat /usr/share/man/man1/sshuttle.1.gz) == *$'\n'.TH\ SSHUTTLE\ 1* ]] || fail "the man page is not sshuttle-cpp's"

# The demo's tunnel (scripts/demo.sh), on the installed files only.
source "$SRC/tests/e2e/lib/lab.sh"
lab_setup
sst_start_remote installed --transport ssh "$PRIVATE_V4" "$PRIVATE_V6"
sst_wait_tunnel "$TARGET_V4"
lab_in client curl -sS -m 10 "http://$TARGET_V4:$HTTP_PORT/index.txt" | grep -q "hello from the target" ||
    fail "curl to $TARGET_V4 did not go through the tunnel"
lab_in client curl -sS -m 10 -g "http://[$TARGET_V6]:$HTTP_PORT/index.txt" | grep -q "hello from the target" ||
    fail "curl to [$TARGET_V6] did not go through the tunnel"
pass "curl through the tunnel, IPv4 and IPv6"

# What the running client mapped: the installed modules, nothing from the build tree.
maps=$(cat "/proc/$SST_PID/maps")
for name in nat transport-ssh; do
    grep -q "$plugin_dir/sshuttle-$name.so" <<<"$maps" || fail "the client did not load $plugin_dir/sshuttle-$name.so"
done
! grep -q "$BUILD" <<<"$maps" || fail "the client mapped a file of the build tree"
# The remote ran the installed helper: its cache holds a file named by that helper's hash, with exactly its bytes.
# (Named, not found by hashing the whole cache into grep -q: under pipefail, grep's early exit can fail sha256sum
# with SIGPIPE once the cache holds more than one helper.)
helper_sum=$(sha256sum /usr/libexec/sshuttle/sshuttle-server | cut -d' ' -f1)
cmp -s /usr/libexec/sshuttle/sshuttle-server "/root/.cache/sshuttle/sshuttle-server-$helper_sum" ||
    fail "the remote's helper cache holds no copy of /usr/libexec/sshuttle/sshuttle-server"
pass "the client loaded the installed plugins; the remote runs the installed helper"

kill -INT "$SST_PID"
sst_wait_exit 20
sst_wait_rules_gone
pass "SIGINT: sshuttle exited and restored the firewall"
