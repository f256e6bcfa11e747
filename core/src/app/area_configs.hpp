// SPDX-License-Identifier: LGPL-2.1-or-later
// The parsed command line ends here: each area below the app gets a small config of its own, holding only what
// it reads, so that none of them depends on cli (as the server's ServerOptions and the engine's EngineOptions).
#pragma once

#include "cli/options.hpp"
#include "fwmgr/manager_config.hpp"
#include "transport/launch_config.hpp"

namespace sshuttle::app {

/// The firewall manager's method, plugin directories, verbosity, syslog and -H.
fwmgr::ManagerConfig manager_config_from(const cli::Options& options);

/// Where the server runs, how it is reached (-r, -e, --transport...), and what it is told (-v, -N, --to-ns...).
transport::LaunchConfig launch_config_from(const cli::Options& options);

}  // namespace sshuttle::app
