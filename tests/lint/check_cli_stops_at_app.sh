#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The command line stops at app/: no area below it includes a cli/ header or links sshuttle_cli. Each of them
# takes a small config of its own (fwmgr::ManagerConfig, transport::LaunchConfig, server::ServerOptions...),
# which app/ builds from cli::Options.
#   check_cli_stops_at_app.sh [<core/src directory>]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root=${1:-"$here/../../core/src"}
areas=(common util net mux client server server_py plugin fwmgr transport)

failed=0
for area in "${areas[@]}"; do
    dir="$root/$area"
    if [[ ! -d $dir ]]; then
        echo "FAIL: core/src/$area is not there (update the list in $(basename "$0"))" >&2
        failed=1
        continue
    fi
    # Any #include of a cli/ header, in quotes or brackets, commented out or not: a comment is no reason to keep one.
    while IFS= read -r hit; do
        echo "FAIL: core/src/$area/${hit#"$dir"/} includes a cli/ header" >&2
        failed=1
    done < <(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]cli/' "$dir" \
                 --include='*.cpp' --include='*.hpp' --include='*.h' --include='*.in' || true)
    if [[ -f $dir/CMakeLists.txt ]] && grep -qE '\bsshuttle_cli\b' "$dir/CMakeLists.txt"; then
        echo "FAIL: core/src/$area/CMakeLists.txt links sshuttle_cli" >&2
        failed=1
    fi
done
((failed == 0)) && echo "no area below app/ includes cli/ or links sshuttle_cli: ${areas[*]}"
exit "$failed"
