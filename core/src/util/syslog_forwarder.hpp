// SPDX-License-Identifier: LGPL-2.1-or-later
// Children's stderr to syslog. With --syslog or -D our own log lines go to syslog directly (spdlog's sink), but
// what ssh (which carries the remote server's log lines), the firewall manager or sudo write to their stderr
// is bytes on a file descriptor: a small forked process reads them and sends each line to syslog (ident
// sshuttle, facility daemon), as upstream pipes its stderr into `logger`.
#pragma once

namespace sshuttle::util {

/// Forks the forwarder, which reads `fd` until every writer has closed it and then exits. It leaves the
/// terminal's session and keeps no other descriptor. The caller still owns (and should close) its copy of fd.
/// False when the fork fails.
bool start_syslog_forwarder(int fd);

/// --syslog in the foreground: from now on our stderr, and so that of every child started later, goes to a
/// forwarder. False (stderr unchanged) when the pipe or the process cannot be made.
bool forward_stderr_to_syslog();

}  // namespace sshuttle::util
