// SPDX-License-Identifier: LGPL-2.1-or-later
// Policy routing for tproxy: marked packets must be routed to the local machine (`ip rule add fwmark MARK lookup
// TABLE` plus `ip route add local default dev lo table TABLE`), or TPROXY never sees them. The user usually sets
// this up once (upstream's docs use table 100); with --tproxy-setup-routes the client installs a rule and route
// of its own in table own_table(port), and restore() removes exactly those. Pure text in, commands out.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sshuttle::plugins::tproxy {

using Argv = std::vector<std::string>;

/// The routing table --tproxy-setup-routes uses for the instance on listen port `port`. One table per port, so
/// instances never remove each other's routes. The client (core/src/app/policy_routing.cpp) uses the same
/// numbers: keep kOwnTableBase and kOwnRulePriority in step with it.
inline constexpr uint32_t kOwnTableBase = 100000;
inline constexpr uint32_t kOwnRulePriority = 30000;
uint32_t own_table(int port);

/// `ip -4 rule show` / `ip -6 rule show`.
Argv rule_show_command(int family);
/// `ip -4 route show table T`.
Argv route_show_command(int family, uint32_t table);

/// Commands that remove what --tproxy-setup-routes installed for `port`, given the current `ip rule show` and
/// `ip route show table own_table(port)` outputs: nothing when nothing of ours is there (no error noise).
std::vector<Argv> own_routes_teardown(int family, int port, const std::string& rule_listing,
                                      const std::string& route_listing);

}  // namespace sshuttle::plugins::tproxy
