#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds the Debian packages (sshuttle-cpp, sshuttle-cpp-dev, sshuttle-cpp-dbgsym) from a build tree with CPack
# (cmake/Packaging.cmake) and checks them with lintian. The packages land in <build>/packages.
#
#   scripts/package.sh [BUILD_DIR]        # default: $SSHUTTLE_BUILD_DIR, else build
#
# The build tree must be configured for the prefix /usr (the binary looks for its plugins and helper under its
# prefix, and lib/<multiarch> is only chosen for /usr); a tree configured for another prefix is reconfigured.
# Only what the packages hold is built (target sshuttle_package_contents), not the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-${SSHUTTLE_BUILD_DIR:-build}}
die() { printf 'package.sh: %s\n' "$*" >&2; exit 1; }

for tool in cmake cpack dpkg-deb dpkg-shlibdeps objcopy readelf file gzip lintian; do
    command -v "$tool" >/dev/null || die "'$tool' is missing (scripts/setup-deps.sh installs it)"
done

if [[ ! -f $build/CMakeCache.txt ]]; then
    cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr >/dev/null
fi
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
if [[ $prefix != /usr ]]; then
    echo "package.sh: $build is configured for the prefix '$prefix'; reconfiguring it for /usr" >&2
    cmake -S . -B "$build" -DCMAKE_INSTALL_PREFIX=/usr >/dev/null
fi
cmake --build "$build" -j"$(nproc)" --target sshuttle_package_contents

rm -rf "$build/packages"
# CPack writes every file as root:root whoever runs it, so this needs neither root nor fakeroot.
(cd "$build" && cpack -G DEB >cpack.log 2>&1) || { tail -n 30 "$build/cpack.log" >&2; die "cpack failed (log: $build/cpack.log)"; }
shopt -s nullglob
debs=("$build"/packages/*.deb)
((${#debs[@]} == 2)) || die "expected 2 .deb files in $build/packages, found ${#debs[@]}"
ls -l "$build"/packages/*.deb "$build"/packages/*.ddeb

# lintian: no error and no warning may remain; each override is explained in cmake/deb/*.lintian-overrides.
lintian --fail-on error,warning "${debs[@]}" || die "lintian found problems in the packages (above)"
echo "package.sh: lintian clean"
