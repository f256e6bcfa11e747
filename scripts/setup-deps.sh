#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Installs everything sshuttle-cpp needs to build, test and run its demo, from Debian 12 packages only.
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then echo "setup-deps.sh: run as root (apt-get)" >&2; exit 1; fi
export DEBIAN_FRONTEND=noninteractive
packages=(
  # build
  cmake g++ make pkg-config
  libboost-dev libyaml-cpp-dev libspdlog-dev libfmt-dev libcli11-dev doctest-dev
  libssh2-1-dev libssl-dev libnftables-dev libsystemd-dev
  clang-14 libclang-rt-14-dev  # the libFuzzer targets (tests/fuzz) and their sanitizer runtimes
  nlohmann-json3-dev  # the status socket's JSON (sshuttle status)
  dpkg-dev  # dpkg-source: unpacks Debian trixie's libssh2 1.11 source for the e2e.libssh2_1_11 tests
  # packages (scripts/package.sh): dpkg-shlibdeps (dpkg-dev), objcopy/readelf (binutils), file, lintian
  binutils file lintian
  # run and test: firewalls, namespaces, a real sshd, targets and tools
  iptables nftables iproute2 openssh-server openssh-client procps psmisc
  curl iperf3 socat python3 dnsmasq-base sshuttle sudo
  python3-matplotlib  # bench/run.sh draws its picture (bench/lib/plot.py)
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
