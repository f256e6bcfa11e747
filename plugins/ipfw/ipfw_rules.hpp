// SPDX-License-Identifier: LGPL-2.1-or-later
// Pure command rendering for the ipfw method (FreeBSD, IPv4 only), following upstream sshuttle's
// methods/ipfw.py: rule number 1, table 124 = DNS servers, 125 = excludes, 126 = includes.
#pragma once

#include <string>
#include <vector>

#include "sshuttle/plugin_sdk.hpp"

namespace sshuttle::plugins::ipfw {

using Argv = std::vector<std::string>;

/// Removal of rule 1 and the three tables; run before setup too (stale state), failures ignored.
std::vector<Argv> teardown_commands();

/// The commands installing req, after teardown_commands(). Throws sdk::Error for an IPv6 request.
std::vector<Argv> setup_commands(const sdk::FwRequest& req);

/// The table changes from the subnets `installed` to req's: every new entry added first, then every entry no
/// longer wanted deleted (ipfw has no transaction). Throws sdk::Error for an IPv6 request.
std::vector<Argv> update_commands(const std::vector<sdk::Subnet>& installed, const sdk::FwRequest& req);

/// Human-readable setup and teardown for --dry-run.
std::string render(const sdk::FwRequest& req);

}  // namespace sshuttle::plugins::ipfw
