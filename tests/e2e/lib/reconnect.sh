# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# Helpers of the reconnection tests (test_reconnect*.sh), on top of lab.sh: waiting for lines in the client's
# log.

# log_count TEXT: how many lines of the client's log have TEXT.
log_count() { grep -cF -- "$1" "$SST_LOG" || true; }

# wait_log_count TEXT N TIMEOUT: until the client's log has TEXT at least N times.
wait_log_count() {
    local deadline=$((SECONDS + $3))
    until (($(log_count "$1") >= $2)); do
        sst_alive || lab_fail "the client exited (status $(sst_status)) while waiting for '$1'"
        ((SECONDS < deadline)) || { tail -n 30 "$SST_LOG" >&2; lab_fail "no '$1' (x$2) in the client log after $3 s"; }
        sleep 0.1
    done
}
