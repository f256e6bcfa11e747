#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Stands in for the remote python of upstream's client (its --python option), to run another server instead.
# Usage: python_shim.sh SERVER_BIN -c STAGE1
#
# Upstream's client writes its Python bootstrap to the remote's stdin before any mux traffic: first the stage-2
# loader, whose length is in STAGE1 as `stdin.read(<len>)`, then modules framed as "name\n<len>\n<zlib bytes>",
# ending with an empty line. All of it is read and dropped here, byte-exactly (bash `read` takes one byte at a
# time from a pipe or socket, `head -c N` never reads past N), then SERVER_BIN --server takes over stdin/stdout.
set -euo pipefail
server_bin=$1
[[ ${2:-} == -c ]] || { echo "python_shim: expected '-c STAGE1', got '${2:-}'" >&2; exit 97; }
if [[ $3 =~ stdin\.read\(([0-9]+)\) ]]; then
    loader_bytes=${BASH_REMATCH[1]}
else
    echo "python_shim: no stdin.read(<len>) in the stage-1 command '$3'" >&2
    exit 97
fi
head -c "$loader_bytes" >/dev/null
while IFS= read -r name && [[ -n $name ]]; do
    IFS= read -r module_bytes
    head -c "$module_bytes" >/dev/null
done
exec "$server_bin" --server
