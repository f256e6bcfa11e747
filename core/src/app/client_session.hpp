// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

#include "cli/options.hpp"

namespace sshuttle::app {

/// Runs the client until a signal or a fatal error; restores the firewall on every path. Returns the exit
/// status (0 after a signal, 99 when the session failed, like upstream).
int run_client(const cli::Options& options);

}  // namespace sshuttle::app
