// SPDX-License-Identifier: LGPL-2.1-or-later
// `sshuttle --firewall`: the root firewall manager. The client starts it (through sudo or doas unless it is
// root already) with one end of a socketpair as both stdin and stdout, and talks to it in the line protocol
// of line_protocol.hpp. Its only lifeline is that socket: when the client exits, or is killed, the manager
// reads EOF and removes the rules.
#pragma once

#include "fwmgr/manager_config.hpp"

namespace sshuttle::fwmgr {

/// Runs the manager on stdin/stdout with options.method, options.plugin_dirs (only for a root caller),
/// options.verbose, options.syslog and options.auto_hosts (HOST lines are written only with it); returns the
/// process exit status (0 after a clean restore).
int run_firewall_manager(const ManagerConfig& options);

}  // namespace sshuttle::fwmgr
