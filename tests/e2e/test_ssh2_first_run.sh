#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The default transport chooses what works for the user's own ssh setup (no -e, no --transport): libssh2 when it
# can honour the configuration, the ssh program with the same -F file otherwise, and one -v line says which and
# why. An RSA key connects (libssh2 1.11 signs with rsa-sha2; 1.10 only with ssh-rsa, which this OpenSSH
# refuses, so the ssh program takes over); a ControlMaster that is up is reused (sshd sees no new login); a host
# reached through a ProxyCommand of the ssh-config=FILE connects by its alias.
set -euo pipefail
source "$(dirname "$0")/lib/ssh2_lab.sh"
ssh2_setup
ssh2_trust "$SERVER_V4"

# transport_line: the one -v line of the client started last that names the chosen transport.
transport_line() {
    local lines
    lines=$(grep -E "transport: (the ssh program, because|the built-in one)" "$SST_LOG" || true)
    [[ $(grep -c . <<<"$lines") == 1 ]] || { cat "$SST_LOG" >&2; lab_fail "expected one 'transport:' line in $SST_LOG"; }
    echo "$lines"
}

# expect_ssh_program: an ssh child, not the client, holds the connection to port 22.
expect_ssh_program() {
    local owners
    owners="$(lab_in client ss -Htnp state established "( dport = :22 )")"
    [[ "$owners" == *'"ssh"'* ]] || lab_fail "no ssh child holds the connection to port 22: $owners"
}

logins() { grep -c "Accepted publickey for root" "$LAB_TMP/sshd.log" || true; }

# 1. An RSA key, the user's only identity.
ssh-keygen -q -t rsa -b 2048 -N '' -C sst-rsa -f "$SSH2_DIR/id_rsa"
cat "$SSH2_DIR/id_rsa.pub" >>"$LAB_TMP/ssh/authorized_keys"
SSH2_IDENTITY="$SSH2_DIR/id_rsa"
ssh2_write_config ""
ssh2_start first_rsa -r "root@$SERVER_V4" "$PRIVATE_V4"
sst_wait_tunnel "$TARGET_V4"
line=$(transport_line)
case $line in
    *"transport: the ssh program, because libssh2 1.10 signs $SSH2_DIR/id_rsa only with ssh-rsa (SHA-1), which OpenSSH_"*" refuses")
        expect_ssh_program
        lab_pass "an RSA key with libssh2 1.10: the ssh program, and the -v line says why" ;;
    *"transport: the built-in one (libssh2 1.1"[1-9]*)
        ssh2_expect_builtin
        lab_pass "an RSA key with libssh2 1.11+: libssh2 itself" ;;
    *) lab_fail "unexpected transport choice for an RSA key: $line" ;;
esac
sst_stop

# Asked for by name, libssh2 1.10 still refuses the RSA key clearly (as before).
if [[ $line == *"libssh2 1.10"* ]]; then
    ssh2_start first_rsa_explicit --transport ssh -r "root@$SERVER_V4" "$PRIVATE_V4"
    ssh2_expect_failure 60 "signs RSA keys only with ssh-rsa (SHA-1), which OpenSSH 8.8+ servers refuse"
    lab_pass "--transport ssh with an RSA key on libssh2 1.10: the clear refusal"
fi

# 2. A ControlMaster that is up: the ssh program multiplexes over it, so sshd sees no second login.
SSH2_IDENTITY=$LAB_SSH_KEY
ssh2_write_config "    ControlMaster auto
    ControlPath $SSH2_DIR/cm-%C
    ControlPersist no"
lab_spawn client "$LAB_TMP/master.log" ssh -F "$SSH2_CONFIG" -M -N "root@$SERVER_V4"
master_pid=$LAB_LAST_PID
deadline=$((SECONDS + 20))
until lab_in client ssh -F "$SSH2_CONFIG" -O check "root@$SERVER_V4" 2>/dev/null; do
    ((SECONDS < deadline)) || lab_fail "the ControlMaster did not come up (log: $(cat "$LAB_TMP/master.log"))"
    sleep 0.1
done
before=$(logins)
ssh2_start first_control -r "root@$SERVER_V4" "$PRIVATE_V4"
sst_wait_tunnel "$TARGET_V4"
line=$(transport_line)
[[ $line == *"transport: the ssh program, because a ControlMaster for $SERVER_V4 is up ($SSH2_DIR/cm-"* ]] ||
    lab_fail "the ControlMaster was not the reason for the ssh program: $line"
after=$(logins)
((after == before)) || lab_fail "sshd saw $((after - before)) new login(s): the ControlMaster was not reused"
sst_stop
lab_in client ssh -F "$SSH2_CONFIG" -O exit "root@$SERVER_V4" 2>/dev/null || true
wait "$master_pid" 2>/dev/null || true
lab_pass "a running ControlMaster is reused ($before logins before and after)"

# 3. A ProxyCommand host known only to the ssh-config=FILE: its alias resolves through that file.
ssh2_write_config ""
cp "$SSH2_CONFIG" "$SSH2_DIR/plain_config"
ssh2_write_config "" "Host viaproxy
    HostName $SERVER_V4
    ProxyCommand ssh -F $SSH2_DIR/plain_config -W %h:%p root@%h"
ssh2_trust viaproxy
ssh2_start first_proxy -r root@viaproxy "$PRIVATE_V4"
sst_wait_tunnel "$TARGET_V4"
line=$(transport_line)
[[ $line == *"transport: the ssh program, because ProxyCommand is set ('ssh -F $SSH2_DIR/plain_config -W %h:%p root@%h') for viaproxy, which libssh2 cannot honour"* ]] ||
    lab_fail "the ProxyCommand was not the reason for the ssh program: $line"
sst_stop
lab_pass "a ProxyCommand host of ssh-config=FILE connects through the ssh program with the same -F"

lab_pass "ssh2_first_run"
