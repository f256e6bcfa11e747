// SPDX-License-Identifier: LGPL-2.1-or-later
// The entry point of option parsing. Three levels, lowest first: the YAML file of --config (and --profile),
// SSHUTTLE_ARGS, the command line; @file tokens are expanded in place in the last two. Within a level the
// last value of an option wins and lists accumulate, as with argparse; across levels an option given on a
// higher level replaces the lower level's value or whole list. Unique prefixes of long options are accepted
// (argparse's allow_abbrev).
#pragma once

#include <string>
#include <vector>

#include "cli/options.hpp"

namespace sshuttle::cli {

/// Parses argv (without the program name) and the value of SSHUTTLE_ARGS (nullptr = unset). Hostnames in
/// subnets are resolved here. Throws UsageError (one line; print `sshuttle: <what()>` and exit 2).
Options parse_options(const std::vector<std::string>& argv_without_program, const char* sshuttle_args_env);

}  // namespace sshuttle::cli
