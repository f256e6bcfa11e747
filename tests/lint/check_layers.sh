#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Layers point one way (docs/architecture.md): a file in core/src/<area> includes headers of its own area and of
# areas in lower layers only, never of a higher layer or of another area in the same layer.
#   check_layers.sh [<core/src directory>]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root=${1:-"$here/../../core/src"}

# Lowest first; areas with the same number are side by side and must not include each other.
declare -A layer=(
    [common]=0
    [util]=1
    [net]=2
    [stream]=3
    [mux]=4
    [client]=5 [server]=5 [server_py]=5
    [plugin]=6
    [fwmgr]=7
    [transport]=8
    [cli]=9
    [app]=10
)

failed=0
while IFS= read -r path; do
    rel=${path#"$root"/}
    area=${rel%%/*}
    [[ $rel == */* ]] || continue  # main.cpp and the generated build_config sit above every area
    if [[ -z ${layer[$area]:-} ]]; then
        echo "FAIL: core/src/$area is in no layer (add it to check_layers.sh)" >&2
        failed=1
        continue
    fi
    while IFS= read -r header; do
        target=${header%%/*}
        [[ $target == "$area" || -z ${layer[$target]:-} ]] && continue  # own area; system and SDK headers
        if ((layer[$target] < layer[$area])); then continue; fi
        if ((layer[$target] == layer[$area])); then why="beside it"; else why="above it"; fi
        echo "FAIL: core/src/$rel includes $header: $target is $why" \
            "($area is layer ${layer[$area]}, $target ${layer[$target]})" >&2
        failed=1
    done < <(sed -nE 's/^[[:space:]]*#[[:space:]]*include[[:space:]]+"([a-z_]+\/[^"]+)".*/\1/p' "$path")
done < <(find "$root" -type f \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' \) | sort)

((failed == 0)) && echo "ok: every include in core/src points down a layer"
exit $failed
