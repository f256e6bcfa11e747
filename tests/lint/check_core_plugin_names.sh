#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The core names no plugin: outside comments, core/src may spell a built-in firewall method's name (nat, nft,
# tproxy, pf, ipfw as a whole word, case-sensitive) only where core_plugin_names.allow says so (the loader's
# auto order, user-facing option spellings). Method-specific logic belongs in the plugin. An allow entry that
# matches nothing any more fails too, so the list shrinks with the code.
#   check_core_plugin_names.sh [<core/src directory>]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root=${1:-"$here/../../core/src"}
allow="$here/core_plugin_names.allow"
names='\b(nat|nft|tproxy|pf|ipfw)\b'

# Comments blanked, line numbers kept: /* */ blocks keep their newlines, // runs to the end of the line.
strip_comments() {
    perl -0pe 's{/\*.*?\*/}{ (my $c = $&) =~ tr/\n//cd; $c }gse; s{//[^\n]*}{}g' "$1"
}

declare -a allow_paths allow_patterns
declare -A used
while IFS=$'\t' read -r path pattern; do
    [[ -z $path || $path == \#* ]] && continue
    allow_paths+=("$path")
    allow_patterns+=("$pattern")
done <"$allow"

failed=0
while IFS= read -r file; do
    rel=${file#"$root"/}
    while IFS= read -r hit; do
        text=${hit#*:}
        ok=0
        for i in "${!allow_paths[@]}"; do
            if [[ ${allow_paths[$i]} == "$rel" ]] && grep -qE -- "${allow_patterns[$i]}" <<<"$text"; then
                ok=1
                used[$i]=1
            fi
        done
        if ((!ok)); then
            echo "FAIL: core/src/$rel:${hit%%:*} names a plugin:${text}" >&2
            failed=1
        fi
    done < <(strip_comments "$file" | grep -nE -- "$names" || true)
done < <(find "$root" -type f \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' \) | sort)

for i in "${!allow_paths[@]}"; do
    if [[ -z ${used[$i]:-} ]]; then
        echo "FAIL: allow entry matches nothing (remove it): ${allow_paths[$i]}	${allow_patterns[$i]}" >&2
        failed=1
    fi
done
((failed == 0)) && echo "core/src names no plugin outside $(basename "$allow")"
exit "$failed"
