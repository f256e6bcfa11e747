#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# run_fuzzer.sh <fuzzer> <seed corpus dir> <seconds> [libFuzzer flags...]: runs the libFuzzer binary for that long
# over a copy of the seeds (new inputs go to the copy, never into the source tree). libFuzzer exits non-zero on a
# crash, a sanitizer finding, a leak, an input slower than 5 s or more than 2 GB of memory; the input is kept in
# the artifact directory named in its output.
set -euo pipefail
fuzzer=$1 seeds=$2 seconds=$3
shift 3
work=$(mktemp -d "${TMPDIR:-/tmp}/sshuttle-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "${SSHUTTLE_FUZZ_ARTIFACTS:-/tmp/sshuttle-fuzz-artifacts}"
cp -r "$seeds"/. "$work/corpus/"
cd "$work"
"$fuzzer" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 -detect_leaks=1 -print_final_stats=1 \
  -artifact_prefix="${SSHUTTLE_FUZZ_ARTIFACTS:-/tmp/sshuttle-fuzz-artifacts}/$(basename "$fuzzer")-" "$@" \
  "$work/corpus"
