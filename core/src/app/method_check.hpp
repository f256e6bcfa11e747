// SPDX-License-Identifier: LGPL-2.1-or-later
// --method checked against the installed firewall plugins before anything privileged starts, so that a typo is
// a one-line usage error naming the methods there are, not a sudo prompt followed by a manager failure.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "cli/options.hpp"

namespace sshuttle::app {

/// Names of the installed modules that are firewall methods, sorted (transports are left out).
std::vector<std::string> installed_methods(const std::vector<std::filesystem::path>& dirs);

/// Throws cli::UsageError when options.method is neither "auto" nor an installed method: the message lists the
/// methods and suggests the nearest name.
void require_installed_method(const cli::Options& options);

}  // namespace sshuttle::app
