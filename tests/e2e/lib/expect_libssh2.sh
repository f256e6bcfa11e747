# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# What a client on the built-in transport really ran (sourced by sshuttle.sh). Every such client whose tunnel
# came up must have negotiated aes128-ctr (the module's first choice; the lab's sshd offers it) with its
# keystream read ahead: the -v log has one "AES-CTR keystream read ahead for 2 cipher contexts" line per SSH
# session, written only when the cipher contexts libssh2 keyed came from the read-ahead provider. The libssh2
# 1.11 runs (libssh2_1_11/) also set SSHUTTLE_E2E_EXPECT_LIBSSH2=VERSION: then the client must have run that
# libssh2 release (as the module reports it in the -v log, and as the file mapped into the client,
# SSHUTTLE_E2E_EXPECT_LIBSSH2_LIB), and each checked client adds "LOG-NAME CIPHER" to
# $SSHUTTLE_E2E_LIBSSH2_SEEN, so the runner can require that a test checked at least one.

# sst_uses_builtin ARGS...: true when these client arguments take the built-in libssh2 transport: a remote (-r),
# and neither -e/--ssh-cmd nor a --transport other than ssh.
sst_uses_builtin() {
    local arg prev="" remote=0
    for arg in "$@"; do
        case $prev in
            -e | --ssh-cmd) return 1 ;;
            --transport) [[ $arg == ssh ]] || return 1 ;;
            -r | --remote) remote=1 ;;
        esac
        prev=$arg
    done
    ((remote == 1))
}

# sst_pid_tree PID: PID and all its descendants (the client may run under a wrapper such as tty_answer.py).
sst_pid_tree() {
    local child
    echo "$1"
    for child in $(pgrep -P "$1"); do sst_pid_tree "$child"; done
}

# sst_expect_libssh2: the checks above for the client started last; nothing for a client on another transport.
sst_expect_libssh2() {
    local want=${SSHUTTLE_E2E_EXPECT_LIBSSH2:-} lines line sessions read_ahead mapped pid
    [[ ${SST_BUILTIN:-0} == 1 ]] || return 0
    # The default transport chose the ssh program for this configuration (its -v line says why).
    grep -q "transport: the ssh program, because" "$SST_LOG" && return 0
    # One line per SSH session (two with a ProxyJump hop), written right after the handshake; a client on a
    # pseudo-terminal (SST_WRAPPER) ends its lines with CR LF.
    lines=$(grep -E " SSH to .* over libssh2 " "$SST_LOG" | tr -d '\r') ||
        lab_fail "$SST_LOG has no 'SSH to ... over libssh2 ...' line: is this the libssh2 transport, at -v?"
    while IFS= read -r line; do
        [[ -z $want || $line == *" over libssh2 $want: "* ]] || lab_fail "the client did not run libssh2 $want: $line"
        [[ $line == *" cipher aes128-ctr" ]] || lab_fail "the client did not negotiate aes128-ctr (both ways): $line"
    done <<<"$lines"
    sessions=$(wc -l <<<"$lines")
    # Two contexts per session, one each way: no more (OpenSSL's own AES use stays out of the provider).
    read_ahead=$(grep -c " AES-CTR keystream read ahead for 2 cipher contexts of " "$SST_LOG" || true)
    ((read_ahead == sessions)) ||
        lab_fail "$read_ahead 'AES-CTR keystream read ahead for 2 cipher contexts' lines for $sessions SSH" \
            "sessions in $SST_LOG"
    [[ -n $want ]] || return 0
    # The file behind the version string: exactly the expected libssh2 is mapped, and no other one.
    mapped=$(for pid in $(sst_pid_tree "$SST_PID"); do cat "/proc/$pid/maps" 2>/dev/null; done |
        awk '$6 ~ /\/libssh2\.so/ {print $6}' | sort -u)
    [[ $mapped == "${SSHUTTLE_E2E_EXPECT_LIBSSH2_LIB:-}" ]] ||
        lab_fail "the client maps libssh2 '${mapped:-none}', expected '${SSHUTTLE_E2E_EXPECT_LIBSSH2_LIB:-}'"
    echo "$(basename "$SST_LOG" .log) aes128-ctr" >>"${SSHUTTLE_E2E_LIBSSH2_SEEN:-/dev/null}"
}
