#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# tests/CMakeLists.txt names its folders one by one (no glob): every folder of tests/ that has a CMakeLists.txt
# must be in that list, or its tests would silently never be registered.
#   check_test_folders_listed.sh [<tests directory>]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tests=${1:-"$here/.."}
# The words of the foreach(dir ...) list, up to its closing parenthesis.
listed=" $(sed -n '/^foreach(dir /,/)/p' "$tests/CMakeLists.txt" | tr '()' '  ' | tr -s ' \n' '  ') "

failed=0
for cmake in "$tests"/*/CMakeLists.txt; do
    dir=$(basename "$(dirname "$cmake")")
    if [[ $listed != *" $dir "* ]]; then
        echo "FAIL: tests/$dir has a CMakeLists.txt but is not in tests/CMakeLists.txt's folder list" >&2
        failed=1
    fi
done
((failed == 0)) && echo "every test folder with a CMakeLists.txt is listed in tests/CMakeLists.txt"
exit "$failed"
