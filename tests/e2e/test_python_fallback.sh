#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The Python fallback server (core/src/server_py/sshuttle_server.py), over ssh in the lab:
#  1. forced with --python python3: checksummed TCP transfers over IPv4 and IPv6, DNS through the tunnel (dnsmasq
#     in the target namespace is the server's nameserver, as in test_dns.sh), and no rule left after exit;
#  2. the native helper's platform check made to fail with SSHUTTLE_TEST_HELPER_PLATFORM (a test-only hook read
#     by the client, documented in core/src/transport/remote_script.hpp; it also bypasses the helper cache), so
#     the remote script falls back to the Python server on its own.
# The server's -v log line "Python server <version>" (stderr of the remote command, in the client's log) proves
# which server ran.
set -euo pipefail
LAB_FIXTURE_MB=${LAB_FIXTURE_MB:-20}
source "$(dirname "$0")/lib/lab.sh"
lab_setup

NAME=python-fallback.test
NS_V4=203.0.113.53  # the client's resolv.conf nameserver: it does not exist, only sshuttle --dns answers for it
lab_spawn target "$LAB_TMP/dnsmasq.log" dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts --pid-file= \
    --bind-interfaces "--listen-address=$TARGET_V4" --port 53 --log-queries --log-facility=- \
    "--address=/$NAME/$TARGET_V4" "--address=/$NAME/$TARGET_V6"
lab_wait_listen target 53

# expect_python_server: the client's log shows that the Python server (not the native helper) served.
expect_python_server() {
    grep -q "s: Python server " "$SST_LOG" || lab_fail "no sign of the Python server in $SST_LOG"
    # The script's marker just before it execs the helper (the client logs the remote's lines with -v).
    if grep -q "remote: SSHUTTLE-EXEC" "$SST_LOG"; then lab_fail "the native helper was started (log $SST_LOG)"; fi
}

# 1. --python python3
sst_start_remote python_forced --python python3 --dns "$PRIVATE_V4" "$PRIVATE_V6"
sst_wait_tunnel "$TARGET_V4"
expect_python_server
for host in "$TARGET_V4" "$TARGET_V6"; do
    seen="$(sst_expect_proxied client "$host")"
    [[ "$seen" == 198.51.100.1 || "$seen" == 2001:db8:7::1 ]] ||
        lab_fail "$host saw the connection from '$seen', expected the ssh server's private address"
    sst_transfer_checks client "$host"
    lab_pass "--python python3: curl, ${LAB_FIXTURE_MB} MB download and upload via $host, checksummed"
done
for type in A AAAA; do
    expected=$TARGET_V4
    [[ $type == AAAA ]] && expected=$TARGET_V6
    out="$(lab_in client "$LAB_PY" "$LAB_DIR_SRC/dns_query.py" "$NS_V4" "$NAME" "$type" 50 20)" ||
        lab_fail "$type queries to $NS_V4 through the Python server: $out"
    [[ "$out" == "$expected"$'\n'"answered 50/50" ]] || lab_fail "$type queries for $NAME: expected $expected, got: $out"
done
lab_pass "--python python3: 50 concurrent A and 50 AAAA queries answered through the tunnel"
report="$(lab_in client "$LAB_PY" "$LAB_DIR_SRC/concurrency.py" "$TARGET_V4" "$ECHO_PORT" 50 10)" ||
    lab_fail "--python python3: 50 concurrent connections: $report"
lab_pass "--python python3: 50 concurrent connections: $report"
sst_stop
lab_pass "--python python3: the client exited and no firewall rule is left"

# 2. The platform check fails: the script falls back by itself.
export SSHUTTLE_TEST_HELPER_PLATFORM='NoSuchOS*'
sst_start_remote python_auto "$PRIVATE_V4"
unset SSHUTTLE_TEST_HELPER_PLATFORM
sst_wait_tunnel "$TARGET_V4"
expect_python_server
grep -q "the native server cannot run on the remote (platform Linux " "$SST_LOG" ||
    lab_fail "the client did not say why it fell back to the Python server (log $SST_LOG)"
sst_expect_proxied client "$TARGET_V4" >/dev/null
sst_transfer_checks client "$TARGET_V4"
lab_pass "platform mismatch: the Python server took over; ${LAB_FIXTURE_MB} MB download and upload, checksummed"
sst_stop
lab_pass "python_fallback"
