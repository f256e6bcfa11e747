#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The man page (docs/sshuttle.1) and the bash and zsh completions (scripts/sshuttle.bash-completion,
# scripts/_sshuttle) know every long option that `sshuttle --help` shows, so a new option cannot be added
# without them.
#   test_docs_cover_options.sh <path to the sshuttle binary>
set -euo pipefail
SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bin=${1:?usage: test_docs_cover_options.sh SSHUTTLE_BINARY}
man="$SRC/docs/sshuttle.1"
completion="$SRC/scripts/sshuttle.bash-completion"
zsh_completion="$SRC/scripts/_sshuttle"

options=$("$bin" --help | grep -oE -- '--[a-z0-9][a-z0-9-]*' | sort -u)
[[ $(wc -l <<<"$options") -gt 30 ]] || { echo "FAIL: --help shows too few options: $options" >&2; exit 1; }
missing=0
for option in $options; do
    # roff writes a minus sign as \-; an option is documented where it appears as a whole word.
    if ! grep -qE -- "(^|[^a-z\\\\-])${option//-/\\\\-}([^a-z\\\\-]|$)" "$man"; then
        echo "FAIL: the man page does not document $option" >&2
        missing=1
    fi
    if ! grep -qE -- "(^|[^a-z-])$option([^a-z-]|$)" "$completion"; then
        echo "FAIL: the bash completion does not offer $option" >&2
        missing=1
    fi
    # zsh: '--name[', '--name=[' or ',--name}' / ',--name=}' in an _arguments spec.
    if ! grep -qE -- "$option(=?\[|=?\})" "$zsh_completion"; then
        echo "FAIL: the zsh completion does not offer $option" >&2
        missing=1
    fi
done
((missing == 0)) || exit 1
echo "PASS: the man page and both completions know all $(wc -l <<<"$options") options of --help" >&2
