// SPDX-License-Identifier: LGPL-2.1-or-later
// -D/--daemon. The fork happens *before* start-up, not after it: the forked child does all the work (so the
// firewall manager, ssh and a local server are its own children, and the pid it sends in GO is the daemon's
// pid), while the parent keeps the terminal's exit status: it waits on a pipe and exits 0 only once the child
// reports that the rules are in place, or with the child's exit status when start-up fails.
#pragma once

#include <functional>
#include <string>

#include "util/exit_status.hpp"

namespace sshuttle::util {

/// Claims `pidfile` (relative to the current directory), forks, and runs `body` in the child.
/// In the parent: returns 0 once the child called daemon_ready(), else the child's exit status (128+signal when
/// killed); kExitDaemonRunning or kExitFatal when the pidfile cannot be claimed (one line on stderr).
/// In the child: returns body's result once it is done, after removing the pidfile; the caller just exits.
int run_as_daemon(const std::string& pidfile, const std::function<int()>& body);

/// In the daemon child: detaches (setsid, chdir /, stdin/stdout to /dev/null, no more log lines to stderr)
/// and lets the waiting parent exit 0. Does nothing when not daemonized, or the second time.
///
/// The child's stderr is a pipe from the start, inherited by everything it starts (ssh, which also carries the
/// remote server's stderr, and the firewall manager): during start-up the parent copies it to the terminal, so
/// errors show where the command was typed; once ready, the parent hands the pipe to a small forwarder process
/// that sends each line to syslog (as upstream sends its stderr to `logger`).
void daemon_ready();

/// True in a daemon child that has not called daemon_ready() yet: what it starts now stays in the terminal's
/// session after the detach.
bool daemon_detach_pending();

}  // namespace sshuttle::util
