#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# quiet_sshd.sh SSHD-ARGS...: runs /usr/sbin/sshd for a test, its logins free of this machine's shell start-up
# files. sshd runs the remote command through root's shell, and bash reads ~/.bashrc for it; a developer's or a
# CI image's .bashrc may print on stderr (which the transport reports with the exit status), take seconds
# (pyenv rehashes its shims on every login), or leave a lock behind when a test kills a login mid-way, after
# which every login waits on it. The test servers stand for a plain Debian account instead: in a private mount
# namespace of their own, root's start-up files read as empty. Nothing changes for the machine itself.
set -eu
if [ -z "${SST_QUIET_SSHD_NS:-}" ]; then
    SST_QUIET_SSHD_NS=1 exec unshare --mount --propagation private "$0" "$@"
fi
unset SST_QUIET_SSHD_NS
home=$(getent passwd root | cut -d: -f6)
for f in .bashrc .bash_profile .bash_login .profile; do
    if [ -f "$home/$f" ]; then mount --bind /dev/null "$home/$f"; fi
done
exec /usr/sbin/sshd "$@"
