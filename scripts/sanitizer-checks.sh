#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The instrumented checks CI runs after the main test suite (scripts/test.sh), each in a build directory of its
# own, each section labelled and timed:
#   fuzz  build-fuzz (clang, libFuzzer + ASan + UBSan): every tests/fuzz target for SSHUTTLE_FUZZ_SECONDS (20 s)
#   asan  build-asan (gcc, ASan + UBSan, no recovery): every unit suite and a set of end-to-end tests
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

# Every unit suite, the native server's data-plane process tests, and end-to-end tests that drive both ends of
# the tunnel (ssh command and libssh2 plugin), ssh's and libssh2's own forwards, a hostile server, a garbage
# peer, a stuck reader, DNS and a killed manager, all under ASan+UBSan. The e2e tests' server helper runs under
# sshd, which passes on none of our environment, so every process here reports to files in $logs (lab.sh has
# sshd set the same for its sessions): a report fails the section even when it comes from a process whose exit
# status no test looks at.
asan_e2e='^e2e\.(tcp_transfer|libssh2\.tcp_transfer|ssh_forwarding|libssh2\.ssh_forwarding|hostile_server|stuck_channel|garbage_peer|manager_killed|dns)$'
asan() {
  local logs=$PWD/build-asan/sanitizer-logs status=0
  # -O1 -g1: about half the compile time of -O2 -g on CI's two cores; reports still name file and line.
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS_DEBUG="-O1 -g1" \
    -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" -DSSHUTTLE_SANITIZE=address,undefined >/dev/null &&
    cmake --build build-asan -j"$jobs" || return 1
  rm -rf "$logs" && mkdir -p "$logs"
  # Both runs whatever the first found; the dataplane tests of the Python server gain nothing from ASan.
  (cd build-asan &&
    export ASAN_OPTIONS="$ASAN_OPTIONS:log_path=$logs/local-asan" \
      UBSAN_OPTIONS="$UBSAN_OPTIONS:log_path=$logs/local-ubsan" SSHUTTLE_SANITIZER_LOG_DIR=$logs &&
    ctest --output-on-failure -R '^(unit\.|dataplane\..*_native$)'; unit=$?
    ctest --output-on-failure --timeout 900 -R "$asan_e2e" && ((unit == 0))) || status=1
  if compgen -G "$logs/*" >/dev/null; then
    echo "=== sanitizer reports:"
    for f in "$logs"/*; do echo "--- $f"; cat "$f"; done
    status=1
  fi
  return $status
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
