#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# systemd-analyze verify on config/sshuttle.service and an instance of config/sshuttle@.service, with ExecStart
# pointing at the binary under test. Any message (an unknown key, a bad value) fails the test.
# Usage: verify_units.sh SYSTEMD_ANALYZE CONFIG_DIR SSHUTTLE_BINARY
set -euo pipefail
analyze=$1 config=$2 binary=$3
dir="$(mktemp -d /tmp/sshuttle-units.XXXXXX)"
trap 'rm -rf "$dir"' EXIT
sed "s|/usr/bin/sshuttle|$binary|" "$config/sshuttle.service" >"$dir/sshuttle.service"
sed "s|/usr/bin/sshuttle|$binary|" "$config/sshuttle@.service" >"$dir/sshuttle@.service"
cp "$dir/sshuttle@.service" "$dir/sshuttle@test.service"
out="$(cd "$dir" && "$analyze" verify --man=no ./sshuttle.service ./sshuttle@test.service 2>&1)" || {
    echo "FAIL: systemd-analyze verify exited non-zero: $out" >&2
    exit 1
}
if [[ -n "$out" ]]; then
    echo "FAIL: systemd-analyze verify complains: $out" >&2
    exit 1
fi
grep -q '^Type=notify$' "$dir/sshuttle.service" || { echo "FAIL: sshuttle.service is not Type=notify" >&2; exit 1; }
grep -q -- '--config /etc/sshuttle/%i.yaml$' "$dir/sshuttle@.service" ||
    { echo "FAIL: sshuttle@.service does not read /etc/sshuttle/%i.yaml" >&2; exit 1; }
echo "PASS: systemd units verified"
