// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

#include <iosfwd>

#include "cli/options.hpp"

namespace sshuttle::app {

/// --dry-run: prints the resolved configuration and, for the selected method, the exact rules or commands
/// it would apply for each address family. Needs no root and touches nothing (the plugins' command runner
/// only records). Returns the exit status.
int run_dry_run(const cli::Options& options, std::ostream& out);

}  // namespace sshuttle::app
