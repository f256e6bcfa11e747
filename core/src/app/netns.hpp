// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

#include "cli/options.hpp"

namespace sshuttle::app {

/// --namespace NAME / --namespace-pid PID (Linux): moves this process, and so every child it starts (the
/// firewall manager, ssh, a local server), into that network namespace. Does nothing when neither is given.
/// Throws std::runtime_error naming the namespace when it cannot be entered.
void enter_network_namespace(const cli::Options& options);

}  // namespace sshuttle::app
