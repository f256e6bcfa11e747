// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

#include <string>

#include "cli/options.hpp"

namespace sshuttle::cli {

/// The --help text: upstream's usage line first, then every option of option_table().
std::string help_text();

/// The resolved configuration as YAML-like text for --dry-run: every field, subnets and excludes in
/// firewall order (net::sort_rules), the password of -r masked.
std::string describe_options(const Options& options);

}  // namespace sshuttle::cli
