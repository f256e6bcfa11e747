#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A reconnect that would need a person, without a terminal (as under systemd or after -D detached): the client
# runs in a session of its own (no controlling terminal) with an encrypted key and no agent. The first connection
# gets the passphrase from SSH_ASKPASS (forced), as a person would give it at start-up; after the server helper
# is killed, every reconnect attempt runs in batch mode (ssh: -o BatchMode=yes; the built-in transport:
# batch-mode=yes), so it fails at once with one log line, never asks again, and never hangs; SIGINT still ends the
# client promptly with the rules removed. The same with -D: the passphrase typed at a terminal at start-up, none
# asked after the daemon detached. SSHUTTLE_E2E_TRANSPORT picks the transport (command or builtin).
set -euo pipefail
source "$(dirname "$0")/lib/ssh2_lab.sh"
source "$(dirname "$0")/lib/reconnect.sh"
LAB_FIXTURE_MB=0 ssh2_setup
unset SSH_AUTH_SOCK DISPLAY
label="reconnect_prompts[$SSHUTTLE_E2E_TRANSPORT]"

ssh2_trust "$SERVER_V4"
ssh2_encrypted_key "key-pass-7"
SSH2_IDENTITY="$SSH2_ENC_KEY"
ssh2_write_config "    BatchMode no"
# An askpass that counts how often it is asked.
CALLS="$SSH2_DIR/askpass.calls"
printf '#!/bin/sh\necho asked >>%q\nprintf "%%s\\n" key-pass-7\n' "$CALLS" >"$SSH2_DIR/askpass"
chmod 700 "$SSH2_DIR/askpass"
export SSH_ASKPASS="$SSH2_DIR/askpass" SSH_ASKPASS_REQUIRE=force
asked() { [[ -e $CALLS ]] && wc -l <"$CALLS" || echo 0; }

how=(-e "ssh -F $SSH2_CONFIG")
[[ $SSHUTTLE_E2E_TRANSPORT == builtin ]] && how=(--transport-option "ssh-config=$SSH2_CONFIG")
SST_WRAPPER=(setsid -w)  # no controlling terminal: /dev/tty cannot be opened
sst_start client prompts --method "$SSHUTTLE_METHOD" "${how[@]}" -r "root@$SERVER_V4" "$PRIVATE_V4"
SST_WRAPPER=()
sst_wait_tunnel "$TARGET_V4"
(($(asked) >= 1)) || lab_fail "the first connection did not ask SSH_ASKPASS for the passphrase"
first_asks=$(asked)
lab_pass "$label: the first connection got the passphrase from SSH_ASKPASS ($first_asks time(s))"

kill -KILL $(server_pids)
wait_log_count "lost the server connection" 1 20
wait_log_count "reconnect attempt 3 failed: " 1 60  # back-off 1, 2, 4 s: the third failure within ~10 s
sst_alive || lab_fail "the client exited while reconnecting"
(($(asked) == first_asks)) || lab_fail "a reconnect attempt asked SSH_ASKPASS ($(asked) calls, $first_asks at start-up)"
after_loss=$(sed -n '/lost the server connection/,$p' "$SST_LOG")
grep -q "Enter passphrase" <<<"$after_loss" &&
    lab_fail "a reconnect attempt prompted: $(grep -m1 'Enter passphrase' <<<"$after_loss")"
for n in 1 2 3; do
    count=$(grep -c "reconnect attempt $n failed: " "$SST_LOG" || true)
    ((count == 1)) || lab_fail "attempt $n failed with $count lines (expected one): $(grep "attempt $n" "$SST_LOG")"
done
line=$(grep -m1 "reconnect attempt 1 failed: " "$SST_LOG")
if [[ $SSHUTTLE_E2E_TRANSPORT == builtin ]]; then
    grep -q "nobody could be asked for the passphrase of $SSH2_ENC_KEY" <<<"$line" ||
        lab_fail "the failure does not say that nobody could be asked: $line"
else
    # ssh prints its own reason (Permission denied) on its stderr; our line names ssh's exit.
    grep -q "255" <<<"$line" || lab_fail "the failure does not name ssh's exit code 255: $line"
fi
lab_log "one attempt's line: ${line#*] }"
lab_pass "$label: each reconnect attempt failed at once with one line, nobody was asked"

stop_at=$SECONDS
kill -INT "$SST_PID"
sst_wait_exit 15
((SST_RC == 0)) || lab_fail "the client exited with status $SST_RC after SIGINT"
sst_wait_rules_gone client 10
lab_pass "$label: SIGINT while failing to reconnect exits in $((SECONDS - stop_at)) s, rules removed"

# -D: the passphrase is typed at the terminal for the first connection; the daemon then detaches, and its
# reconnect attempts must not prompt (there is no terminal any more): `status` shows it reconnecting with the
# attempts' error, and it keeps answering (the attempts do not hang the client). Its log goes to syslog, so the
# status is what is checked here. Like test_status.sh, the client gets its own /run/sshuttle.
# With the ssh command, the ssh child started before the detach stays in the terminal's session; tty_answer.py
# makes the client the session leader, so that ssh sees the hang-up as soon as the -D parent exits: the tunnel
# must still carry after it (the client starts ssh with SIGHUP ignored when it is going to detach).
unset SSH_ASKPASS SSH_ASKPASS_REQUIRE
RUN_DIR="$LAB_TMP/run"
mkdir -p "$RUN_DIR" /run/sshuttle
rc=0
(cd "$RUN_DIR" && timeout 120 ip netns exec "sst-c-$LAB_ID" unshare -m --propagation private sh -c \
    'mount -t tmpfs -o mode=0755 sshuttle-status-test /run/sshuttle && exec "$@"' sh \
    "$LAB_PY" "$LAB_DIR_SRC/tty_answer.py" "Enter passphrase for key" "key-pass-7" -- \
    "$SSHUTTLE_BIN" -v -D --method "$SSHUTTLE_METHOD" "${how[@]}" -r "root@$SERVER_V4" "$PRIVATE_V4" \
    >"$LAB_TMP/daemon.log" 2>&1) || rc=$?
((rc == 0)) || lab_fail "sshuttle -D exited with status $rc: $(tail -n 20 "$LAB_TMP/daemon.log")"
DAEMON_PID=$(cat "$RUN_DIR/sshuttle.pid")
status_json() { nsenter -t "$DAEMON_PID" -m -- "$SSHUTTLE_BIN" status --json; }
sst_expect_proxied client "$TARGET_V4" >/dev/null
kill -KILL $(server_pids)
expected="nobody could be asked for the passphrase"
[[ $SSHUTTLE_E2E_TRANSPORT == builtin ]] || expected="with nobody to answer a prompt"  # ssh -o BatchMode=yes
deadline=$((SECONDS + 30))
until json=$(status_json 2>&1) && "$LAB_PY" -c '
import json, sys
s = json.loads(sys.argv[1])
sys.exit(0 if s["state"] == "reconnecting" and sys.argv[2] in s["last_error"] else 1)' "$json" "$expected"; do
    sst_alive "$DAEMON_PID" || lab_fail "the daemon exited while reconnecting"
    ((SECONDS < deadline)) || lab_fail "the daemon's status never showed a failed attempt ('$expected'): $json"
    sleep 0.5
done
sleep 5  # more attempts (1, 2, 4 s apart) fail meanwhile; the daemon must still answer
json=$(status_json) || lab_fail "the daemon stopped answering status while reconnecting"
"$LAB_PY" -c 'import json, sys; assert json.loads(sys.argv[1])["state"] == "reconnecting"' "$json" ||
    lab_fail "the daemon is not reconnecting any more: $json"
lab_log "-D: last error while reconnecting: $("$LAB_PY" -c 'import json, sys; print(json.loads(sys.argv[1])["last_error"])' "$json")"
kill -TERM "$DAEMON_PID"
sst_wait_exit 15 "$DAEMON_PID"
sst_wait_rules_gone client 10
lab_pass "$label: -D: after detaching, reconnect attempts fail without prompting; the daemon keeps answering"
lab_pass "reconnect_prompts"
