#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Upstream's client (/usr/bin/sshuttle) with our server: upstream boots a Python server through --python, which
# here is a shim that swallows the Python bootstrap and execs `<our sshuttle> --server`. Checksummed transfers
# both ways, IPv4 and IPv6, and 100 concurrent connections.
# SERVER_BIN picks the server (default: $SSHUTTLE_BIN, i.e. ours); UPSTREAM_BIN the client.
set -euo pipefail
source "$(dirname "$0")/lib/lab.sh"
LAB_FIXTURE_MB=${LAB_FIXTURE_MB:-20}
lab_setup

SERVER_BIN=${SERVER_BIN:-$SSHUTTLE_BIN}
UPSTREAM_BIN=${UPSTREAM_BIN:-/usr/bin/sshuttle}
[[ -x "$SERVER_BIN" ]] || lab_fail "server binary '$SERVER_BIN' is not executable"
# The "remote" is this machine, so the shim can be called by path; upstream quotes it as '<python>'.
shim="$LAB_TMP/fake-python"
printf '#!/bin/bash\nexec bash %q %q "$@"\n' "$LAB_DIR_SRC/python_shim.sh" "$SERVER_BIN" >"$shim"
chmod +x "$shim"

SSHUTTLE_BIN=$UPSTREAM_BIN sst_start_remote interop_upstream_client --python "$shim" "$PRIVATE_V4" "$PRIVATE_V6"
sst_wait_tunnel "$TARGET_V4"

for host in "$TARGET_V4" "$TARGET_V6"; do
    sst_expect_proxied client "$host" >/dev/null
    sst_transfer_checks client "$host"
    lab_pass "upstream client + our server: curl, ${LAB_FIXTURE_MB} MB down and up via $host"
done
report="$(lab_in client "$LAB_PY" "$LAB_DIR_SRC/concurrency.py" "$TARGET_V4" "$ECHO_PORT" 100 10)" ||
    lab_fail "upstream client + our server: 100 concurrent connections: $report"
lab_pass "upstream client + our server: 100 concurrent connections"

sst_stop
lab_pass "interop_upstream_client"
