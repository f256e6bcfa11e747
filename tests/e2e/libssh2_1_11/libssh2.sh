#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# libssh2.sh: libssh2 1.11.1 from Debian trixie's source package (with Debian's patches), built with its own CMake
# (OpenSSL backend, shared library only) into a private prefix in a cache, once; a later run finds it there.
# Prints the prefix on stdout; everything else goes to stderr.
#
# The fetch leaves the system's apt configuration alone: a private sources.list, list and cache directories, and
# no sources.list.d. apt checks the trixie InRelease signature against debian-archive-keyring (bookworm's current
# 2023.3+deb12u2 has the trixie keys; should a keyring not verify it, the update fails and nothing is built),
# and the SHA-256 of every downloaded file against that signed Sources index (so dpkg-source may skip its own
# check of the uploader's signature, which needs debian-keyring).
#
# The cache is $SSHUTTLE_CACHE_DIR (default ~/.cache/sshuttle-cpp); the prefix name holds the Debian version and a
# hash of this script, so a changed recipe builds anew.
set -euo pipefail
version=1.11.1-1+deb13u2
cache=${SSHUTTLE_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:?}/.cache}/sshuttle-cpp}
prefix=$cache/libssh2-$version-$(sha256sum "$0" | cut -c1-12)

done_already() { [[ -f $prefix/lib/libssh2.so.1 && -f $prefix/lib/pkgconfig/libssh2.pc ]]; }
if done_already; then echo "$prefix"; exit 0; fi

mkdir -p "$cache"
exec 9>"$cache/.libssh2.lock"
flock 9  # two runs at once: the second waits and then finds the first one's result
if done_already; then echo "$prefix"; exit 0; fi

work=$(mktemp -d)
stage=$(mktemp -d "$cache/.stage.XXXXXX")  # on the cache's file system, so the final move is one rename
trap 'rm -rf "$work" "$stage"' EXIT
# apt downloads as the unprivileged _apt user where it can; let it reach and write its directories.
chmod 755 "$work"
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/src"
[[ $(id -u) -eq 0 ]] && id _apt >/dev/null 2>&1 && chown _apt "$work/src"

echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" \
    >"$work/sources.list"
apt=(-q -o Dir::Etc::sourcelist="$work/sources.list" -o Dir::Etc::sourceparts=- -o Dir::State::Lists="$work/lists"
     -o Dir::Cache="$work/cache" -o Acquire::Languages=none)
start=$SECONDS
apt-get "${apt[@]}" update >&2
(cd "$work/src" && apt-get "${apt[@]}" source --only-source "libssh2=$version" >&2)
echo "libssh2.sh: fetched and unpacked libssh2 $version in $((SECONDS - start)) s" >&2

start=$SECONDS
cmake -S "$work/src/libssh2-${version%%-*}" -B "$work/build" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_INSTALL_LIBDIR=lib -DBUILD_SHARED_LIBS=ON -DBUILD_STATIC_LIBS=OFF \
    -DCRYPTO_BACKEND=OpenSSL -DENABLE_ZLIB_COMPRESSION=OFF -DBUILD_EXAMPLES=OFF -DBUILD_TESTING=OFF >&2
cmake --build "$work/build" -j"$(nproc)" >&2
DESTDIR=$stage cmake --install "$work/build" >/dev/null
mv "$stage$prefix" "$prefix"
echo "libssh2.sh: built libssh2 $version into $prefix in $((SECONDS - start)) s" >&2
echo "$prefix"
