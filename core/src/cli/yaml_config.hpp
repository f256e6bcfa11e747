// SPDX-License-Identifier: LGPL-2.1-or-later
// `--config FILE` / `--profile NAME`: a YAML file whose keys are the long option names (`remote`, `exclude`,
// `verbose`, ...; `subnets` is the positional list, `subnets-file` is -s). It is turned into the same tokens
// the command line would have, so it is validated by the same parser.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace sshuttle::cli {

struct ConfigTokens {
    std::vector<std::string> tokens;            // e.g. {"--remote=user@host", "--verbose", "--", "10.0.0.0/8"}
    std::map<std::size_t, int> line_of_option;  // option_table() index -> 1-based line of its key (for errors)
};

/// Reads path; profile (if not empty) selects `profiles: {NAME: {...}}`, whose keys override the top-level
/// ones. Throws UsageError `<path>:<line>: unknown key 'remot'` and the like.
ConfigTokens load_config_tokens(const std::string& path, const std::string& profile);

}  // namespace sshuttle::cli
