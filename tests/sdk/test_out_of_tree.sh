#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The plugin SDK as a third party sees it: `cmake --install --component sdk` into a temporary prefix, then
# examples/exec-transport configured and built against that prefix alone (as root, with the source tree hidden
# behind an empty mount, so nothing can reach its headers). Mode "e2e" then loads the module with --plugin-dir
# and carries the lab's checksummed transfers through `--transport exec` running `ip netns exec <server-ns>`.
#
# Usage: test_out_of_tree.sh build|e2e   (SSHUTTLE_SOURCE_DIR, SSHUTTLE_BUILD_DIR, SSHUTTLE_BIN from CTest)
set -euo pipefail
umask 022  # the host loads a module as root only if nobody else could have written it or its directory
mode=${1:-build}
SRC="${SSHUTTLE_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
BUILD="${SSHUTTLE_BUILD_DIR:-$SRC/build}"

fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
pass() { printf 'PASS: %s\n' "$*" >&2; }

# sdk_install PREFIX: only the sdk component, and nothing in it may point back into this tree.
sdk_install() {
    local prefix=$1
    cmake --install "$BUILD" --prefix "$prefix" --component sdk >"$WORK/install.log" ||
        { cat "$WORK/install.log" >&2; fail "cmake --install $BUILD --component sdk failed"; }
    local f
    for f in include/sshuttle/plugin_abi.h include/sshuttle/plugin_sdk.hpp; do
        [[ -f "$prefix/$f" ]] || fail "the sdk component did not install $f"
    done
    SDK_CONFIG_DIR="$(dirname "$(find "$prefix" -name sshuttleConfig.cmake | head -n1)")"
    [[ -f "$SDK_CONFIG_DIR/sshuttleConfigVersion.cmake" ]] || fail "no sshuttleConfig.cmake + version file in $prefix"
    [[ ! -e "$prefix/bin" ]] || fail "the sdk component installed more than the SDK: $(ls "$prefix/bin")"
    if grep -rlF "$SRC" "$prefix" >&2; then fail "installed files above refer to the source tree $SRC"; fi
    pass "sdk component installed into $prefix"
}

# sdk_build_example PREFIX OUT: configure and build a copy of the example; the module ends up in OUT.
sdk_build_example() {
    local prefix=$1 out=$2
    cp -r "$SRC/examples/exec-transport" "$WORK/example"
    local script="
        set -e
        cmake -S '$WORK/example' -B '$WORK/example-build' -DCMAKE_PREFIX_PATH='$prefix' \
            -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_EXPORT_COMPILE_COMMANDS=ON -DCMAKE_CXX_FLAGS=-Werror
        cmake --build '$WORK/example-build' -j2"
    # Hiding needs a mount namespace (root, and a container that allows one); the compile-command checks below
    # run either way.
    if [[ $EUID -eq 0 ]] && unshare --mount --propagation private true 2>/dev/null; then
        # A private mount namespace where the whole source tree (and its build directories) is an empty tmpfs.
        unshare --mount --propagation private bash -c "
            mount -t tmpfs -o ro,size=64k sdk-test-hides-the-source-tree '$SRC'
            test ! -e '$SRC/core/include/sshuttle/plugin_abi.h' || { echo 'source tree still visible'; exit 1; }
            $script" >"$WORK/example-build.log" 2>&1 ||
            { cat "$WORK/example-build.log" >&2; fail "the example did not build against $prefix alone"; }
        pass "example built with the source tree hidden"
    else
        bash -c "$script" >"$WORK/example-build.log" 2>&1 ||
            { cat "$WORK/example-build.log" >&2; fail "the example did not build against $prefix"; }
    fi
    grep -qxF "sshuttle_DIR:PATH=$SDK_CONFIG_DIR" "$WORK/example-build/CMakeCache.txt" ||
        fail "find_package(sshuttle) did not pick the package in $SDK_CONFIG_DIR"
    local cc="$WORK/example-build/compile_commands.json"
    grep -qF "$prefix/include" "$cc" || fail "the example's compile commands do not use $prefix/include"
    if grep -F "$SRC" "$cc" >&2; then fail "the example's compile commands refer to the source tree (above)"; fi
    local module="$WORK/example-build/sshuttle-exec.so"
    [[ -f $module ]] || fail "no sshuttle-exec.so in $WORK/example-build"
    local exports
    exports="$(nm -D --defined-only "$module" | awk '{print $3}' | sort | tr '\n' ' ')"
    [[ "$exports" == "sshuttle_get_transport_v1 sshuttle_plugin_abi_version " ]] ||
        fail "sshuttle-exec.so exports '$exports', expected only the two sshuttle_* entry points"
    mkdir -p "$out"
    cp "$module" "$out/"
    pass "sshuttle-exec.so built out of tree, exporting only the sshuttle_* entry points"
}

# sdk_check_listed DIR: the client finds the module there and loads it as the transport "exec".
sdk_check_listed() {
    local dir=$1 table
    table="$("$SSHUTTLE_BIN" --list-plugins --plugin-dir "$dir" 2>&1)" || fail "--list-plugins failed: $table"
    grep -F "$dir/sshuttle-exec.so" <<<"$table" | grep -qw transport ||
        { echo "$table" >&2; fail "--list-plugins does not show $dir/sshuttle-exec.so as a transport (above)"; }
    pass "sshuttle --list-plugins loads the out-of-tree module"
}

SSHUTTLE_BIN="${SSHUTTLE_BIN:-$BUILD/bin/sshuttle}"
case $mode in
build)
    WORK="$(mktemp -d /tmp/sshuttle-sdk-XXXXXX)"
    trap 'rm -rf "$WORK"' EXIT
    sdk_install "$WORK/prefix"
    sdk_build_example "$WORK/prefix" "$WORK/plugins"
    if [[ -x $SSHUTTLE_BIN ]]; then sdk_check_listed "$WORK/plugins"; fi
    pass "sdk out-of-tree build"
    ;;
e2e)
    help="$("$SSHUTTLE_BIN" --help 2>&1)"  # not piped into grep -q: with pipefail, an early exit would fail it
    grep -q -- '--transport ' <<<"$help" || fail "$SSHUTTLE_BIN has no --transport option"
    source "$SRC/tests/e2e/lib/lab.sh"
    lab_setup  # its EXIT trap removes $LAB_TMP, and so our work directory in it
    WORK="$LAB_TMP/sdk"
    mkdir -p "$WORK"
    sdk_install "$WORK/prefix"
    sdk_build_example "$WORK/prefix" "$WORK/plugins"
    sdk_check_listed "$WORK/plugins"

    # -r names nothing real: only the exec transport, entering the server namespace, can make this tunnel.
    sst_start client exec_transport -r exec-target --transport exec --plugin-dir "$WORK/plugins" \
        --transport-option "command=ip netns exec sst-s-$LAB_ID" --method "$SSHUTTLE_METHOD" \
        "$PRIVATE_V4" "$PRIVATE_V6"
    sst_wait_tunnel "$TARGET_V4"
    for host in "$TARGET_V4" "$TARGET_V6"; do
        seen="$(sst_expect_proxied client "$host")"
        [[ "$seen" == 198.51.100.1 || "$seen" == 2001:db8:7::1 ]] ||
            lab_fail "$host saw the connection from '$seen', expected the server namespace's private address"
        sst_transfer_checks client "$host"
        lab_pass "curl, ${LAB_FIXTURE_MB} MB download and upload via $host through the exec transport"
    done
    # The lab's sshd must not have seen the client: the exec transport carried everything.
    if grep -F "Connection from $CLIENT_V4" "$LAB_TMP/sshd.log" >&2; then
        lab_fail "the client connected to the lab's sshd (above): the exec transport was not used"
    fi
    grep -qF "[exec] running 'ip netns exec sst-s-$LAB_ID' for exec-target" "$SST_LOG" ||
        lab_fail "the client's log does not show the exec transport starting its command"
    sst_stop

    # A command that fails: the client exits with an error naming the command, its status and its last words.
    sst_start client exec_failure -r exec-target --transport exec --plugin-dir "$WORK/plugins" \
        --transport-option "command=echo 'error: pod \"exec-target\" not found' >&2; exit 7 #" \
        --method "$SSHUTTLE_METHOD" "$PRIVATE_V4"
    sst_wait_exit 60
    ((SST_RC != 0)) || lab_fail "the client exited 0 although its transport command failed"
    grep -F "ended with exit status 7: error: pod \"exec-target\" not found" "$SST_LOG" >&2 ||
        { cat "$SST_LOG" >&2; lab_fail "the client did not report the command's status and stderr (above)"; }
    sst_wait_rules_gone client
    lab_pass "a failing transport command is reported with its exit status and last stderr line"
    lab_pass "sdk_exec_transport"
    ;;
*) fail "usage: $0 build|e2e" ;;
esac
