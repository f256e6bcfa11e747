# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2034  # the variables are for the scripts that source this file
# Helpers for the libssh2 transport tests (tests/e2e/test_ssh2_*.sh), on top of lab.sh: an ssh_config for the
# built-in transport (no -e: the client speaks SSH itself), known_hosts handling, an ssh-agent, an encrypted
# key with a non-interactive SSH_ASKPASS, a password-only sshd, and a second sshd in the target namespace to
# jump to.
# shellcheck source=lab.sh
source "$(dirname "${BASH_SOURCE[0]}")/lab.sh"

# ssh2_setup: the lab (small fixture) plus $SSH2_DIR with the config, keys and an empty known_hosts.
ssh2_setup() {
    LAB_FIXTURE_MB=${LAB_FIXTURE_MB:-2}
    lab_setup
    SSH2_DIR="$LAB_TMP/ssh2"
    mkdir -p "$SSH2_DIR"
    chmod 700 "$SSH2_DIR"
    SSH2_KNOWN="$SSH2_DIR/known_hosts"
    : >"$SSH2_KNOWN"
    ssh2_write_config ""
}

# ssh2_write_config LINES [BLOCKS]: $SSH2_CONFIG: BLOCKS (whole Host sections) first, then for every host LINES
# (ssh takes the first value of a key), root, the key $SSH2_IDENTITY (default: the lab's client key),
# BatchMode, our known_hosts and StrictHostKeyChecking yes.
ssh2_write_config() {
    SSH2_CONFIG="$SSH2_DIR/ssh_config"
    {
        [[ -n "${2:-}" ]] && printf '%s\n' "$2"
        echo "Host *"
        [[ -n "$1" ]] && printf '%s\n' "$1"
        cat <<EOF2
    User root
    IdentityFile ${SSH2_IDENTITY:-$LAB_SSH_KEY}
    IdentitiesOnly yes
    BatchMode yes
    UserKnownHostsFile $SSH2_KNOWN
    GlobalKnownHostsFile /dev/null
    StrictHostKeyChecking yes
    ConnectTimeout 10
EOF2
    } >"$SSH2_CONFIG"
}

# ssh2_trust HOST [PORT] [PUBKEY_FILE]: record a host key in $SSH2_KNOWN (default: the lab sshd's).
ssh2_trust() {
    local host=$1 port=${2:-22} pub=${3:-$LAB_TMP/ssh/host_ed25519.pub} name
    name=$host
    ((port != 22)) && name="[$host]:$port"
    echo "$name $(cut -d' ' -f1,2 "$pub")" >>"$SSH2_KNOWN"
}

# ssh2_start NAME ARGS...: the client through the built-in transport (no -e), -v, logs in $LAB_TMP/NAME.log.
ssh2_start() {
    local name=$1; shift
    sst_start client "$name" --method "$SSHUTTLE_METHOD" --transport-option "ssh-config=$SSH2_CONFIG" "$@"
}

# shellcheck disable=SC2120  # the port is optional
# ssh2_expect_builtin: the client itself (not an ssh child) holds the TCP connection to port 22 (or $1).
ssh2_expect_builtin() {
    local port=${1:-22} owners
    owners="$(lab_in client ss -Htnp state established "( dport = :$port )")"
    [[ "$owners" == *'"sshuttle"'* ]] || lab_fail "the connection to port $port is not the client's own: $owners"
    [[ "$owners" != *'"ssh"'* ]] || lab_fail "an ssh child holds the connection to port $port: $owners"
}

# ssh2_expect_failure TIMEOUT TEXT: the client exits non-zero and its log has TEXT; no rules stay behind.
ssh2_expect_failure() {
    local timeout_s=$1 text=$2
    sst_wait_exit "$timeout_s"
    ((SST_RC != 0)) || lab_fail "the client exited 0, expected a failure mentioning '$text'"
    grep -qF -- "$text" "$SST_LOG" || { cat "$SST_LOG" >&2; lab_fail "the client log does not mention '$text'"; }
    sst_wait_rules_gone client
}

# ssh2_libssh2_at_least MINOR LOG: the client that wrote LOG ran libssh2 1.MINOR or later (the version the module
# reports after the handshake).
ssh2_libssh2_at_least() {
    local version major minor
    version=$(grep -oE -m1 " over libssh2 [0-9]+\.[0-9]+" "$2") || lab_fail "$2 does not say which libssh2 ran"
    IFS=. read -r major minor <<<"${version##* }"
    ((major > 1 || minor >= $1))
}

# ssh2_askpass ANSWER: an SSH_ASKPASS program that prints ANSWER, exported with SSH_ASKPASS_REQUIRE=force.
ssh2_askpass() {
    printf '#!/bin/sh\nprintf "%%s\\n" %q\n' "$1" >"$SSH2_DIR/askpass"
    chmod 700 "$SSH2_DIR/askpass"
    export SSH_ASKPASS="$SSH2_DIR/askpass" SSH_ASKPASS_REQUIRE=force
}

# ssh2_start_agent: an ssh-agent holding the lab's client key; exports SSH_AUTH_SOCK, pid in SSH2_AGENT_PID.
# Killed by the lab cleanup at the latest.
ssh2_start_agent() {
    export SSH_AUTH_SOCK="$SSH2_DIR/agent.sock"
    lab_spawn client "$LAB_TMP/agent.log" ssh-agent -D -a "$SSH_AUTH_SOCK"
    SSH2_AGENT_PID=$LAB_LAST_PID
    local deadline=$((SECONDS + 10))
    until [[ -S $SSH_AUTH_SOCK ]]; do
        ((SECONDS < deadline)) || lab_fail "ssh-agent did not create $SSH_AUTH_SOCK"
        sleep 0.05
    done
    ssh-add -q "$LAB_SSH_KEY" 2>/dev/null || lab_fail "ssh-add could not load the lab key"
}

# ssh2_encrypted_key PASSPHRASE: a new key with that passphrase, authorized on the lab sshd; path in SSH2_ENC_KEY.
ssh2_encrypted_key() {
    SSH2_ENC_KEY="$SSH2_DIR/id_encrypted"
    ssh-keygen -q -t ed25519 -N "$1" -C sst-encrypted -f "$SSH2_ENC_KEY"
    cat "$SSH2_ENC_KEY.pub" >>"$LAB_TMP/ssh/authorized_keys"
}

# ssh2_start_password_sshd PORT PASSWORD [kbdint]: a second sshd on $SERVER_V4:PORT that accepts only root's
# password: as "password" authentication, or with kbdint only as "keyboard-interactive" through PAM (pam_unix
# asking "Password:"). It runs in a private mount namespace where /etc/shadow is a copy with root's password set
# to PASSWORD and /etc/pam.d/sshd a minimal pam_unix stack, so the machine's real accounts and PAM are never
# touched. The log is $LAB_TMP/sshd-password.log.
ssh2_start_password_sshd() {
    local port=$1 password=$2 mode=${3:-password} d="$LAB_TMP/ssh" hash use_pam=no pw_auth=yes kbd_auth=no
    hash="$(openssl passwd -6 "$password")"
    awk -F: -v h="$hash" 'BEGIN{OFS=":"} $1=="root"{$2=h} {print}' /etc/shadow >"$d/shadow"
    chmod 600 "$d/shadow"
    printf '%s\n' "auth required pam_unix.so" "account required pam_permit.so" \
        "session required pam_permit.so" "password required pam_deny.so" >"$d/pam_sshd"
    [[ $mode == kbdint ]] && { use_pam=yes; pw_auth=no; kbd_auth=yes; }
    cat >"$d/sshd_password_config" <<EOF2
ListenAddress $SERVER_V4:$port
HostKey $d/host_ed25519
AuthorizedKeysFile none
PermitRootLogin yes
PubkeyAuthentication no
PasswordAuthentication $pw_auth
KbdInteractiveAuthentication $kbd_auth
UsePAM $use_pam
StrictModes no
PidFile none
LogLevel VERBOSE
EOF2
    # shellcheck disable=SC2016  # $1..$4 are the inner shell's arguments
    lab_spawn server "$LAB_TMP/sshd-password.log" unshare --mount --propagation private \
        sh -c 'mount --bind "$1" /etc/shadow && mount --bind "$2" /etc/pam.d/sshd && exec "$4" -D -e -f "$3"' \
        sh "$d/shadow" "$d/pam_sshd" "$d/sshd_password_config" "$LAB_DIR_SRC/quiet_sshd.sh"
    lab_wait_listen server "$port"
}

# ssh2_start_on_tty NAME PROMPT ANSWER [PROMPT ANSWER...] -- ARGS...: like ssh2_start, but the client runs on a
# pseudo-terminal of its own and each PROMPT it prints there is answered with ANSWER, as a user would type it.
ssh2_start_on_tty() {
    local name=$1 answers=(); shift
    while [[ $1 != -- ]]; do answers+=("$1"); shift; done
    shift
    SST_WRAPPER=("$LAB_PY" "$LAB_DIR_SRC/tty_answer.py" "${answers[@]}" --)
    ssh2_start "$name" "$@"
    SST_WRAPPER=()
}

# ssh2_secret_only_lab PORT PASSWORD [kbdint]: ssh2_start_password_sshd, its host key trusted, and a config whose
# identity the server does not know, so that only the password (or keyboard-interactive) can log in.
ssh2_secret_only_lab() {
    ssh2_start_password_sshd "$@"
    ssh2_trust "$SERVER_V4" "$1"
    ssh-keygen -q -t ed25519 -N '' -C sst-unknown -f "$SSH2_DIR/id_unknown"
    SSH2_IDENTITY="$SSH2_DIR/id_unknown"
    ssh2_write_config ""
}

# ssh2_start_target_sshd: a second sshd in the target namespace ($TARGET_V4:22), with its own host key and the
# lab's authorized_keys: reachable only through the lab sshd (ProxyJump). Host key in $SSH2_DIR/target_host.pub.
ssh2_start_target_sshd() {
    local d="$LAB_TMP/ssh"
    ssh-keygen -q -t ed25519 -N '' -C sst-target-host -f "$SSH2_DIR/target_host"
    cat >"$d/sshd_target_config" <<EOF2
ListenAddress $TARGET_V4:22
HostKey $SSH2_DIR/target_host
AuthorizedKeysFile $d/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile none
LogLevel VERBOSE
EOF2
    lab_spawn target "$LAB_TMP/sshd-target.log" "$LAB_DIR_SRC/quiet_sshd.sh" -D -e -f "$d/sshd_target_config"
    lab_wait_listen target 22
}
