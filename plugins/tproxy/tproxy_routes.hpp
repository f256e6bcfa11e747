// SPDX-License-Identifier: LGPL-2.1-or-later
// Policy routing for tproxy: marked packets must be routed to the local machine (`ip rule add fwmark MARK lookup
// TABLE` plus `ip route add local default dev lo table TABLE`), or TPROXY never sees them. The user usually sets
// this up once (upstream's docs use table 100), and the method's preflight checks it before any rule goes in,
// naming the exact commands when it is missing. With the method option setup-routes (--tproxy-setup-routes)
// setup installs a rule and route of its own instead, in table own_table(port), and restore removes exactly
// those. Pure: `ip -j` JSON in, commands and verdicts out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sshuttle::plugins::tproxy {

using Argv = std::vector<std::string>;

/// The routing table of the routing setup installs for the instance on listen port `port`: one table per port,
/// so instances never remove each other's routes. Its rule has priority kOwnRulePriority.
inline constexpr uint32_t kOwnTableBase = 100000;
inline constexpr uint32_t kOwnRulePriority = 30000;
uint32_t own_table(int port);

/// A mark as ip and --tmark spell it: hexadecimal, "0x" optional. False when `text` is not one (or too large).
bool parse_mark(const std::string& text, uint32_t& value);

/// `ip -j -4 rule show` / `ip -j -6 rule show`.
Argv rule_show_command(int family);
/// `ip -j -4 route show table T` (T a number or a name such as main).
Argv route_show_command(int family, const std::string& table);

/// The tables that `ip -j rule show` output sends packets marked `mark` to: rules with an fwmark equal to it
/// under the rule's fwmask, not inverted (`not`), with a lookup table. nullopt when the text is not such a
/// listing (a JSON array).
std::optional<std::vector<std::string>> tables_for_mark(const std::string& rule_json, uint32_t mark);

/// True when `ip -j route show table T` output has the `local default dev lo` route.
bool has_local_default(const std::string& route_json);

/// The one-line error for the families (SSHUTTLE_AF_*) whose marked packets are not routed here, with the exact
/// commands to run (upstream's table 100) and the option that makes sshuttle do it.
std::string missing_routing_message(const std::vector<int>& families, const std::string& tmark);

/// The commands that install the rule and route of `port` for `family`, packets marked `tmark`.
std::vector<Argv> own_routes_setup(int family, int port, const std::string& tmark);

/// The commands that remove what own_routes_setup installed for `port`, given the current `ip -j rule show` and
/// `ip -j route show table own_table(port)` outputs: one rule delete per rule of ours (a crashed instance may
/// have left duplicates), a flush when the table has routes; nothing when nothing of ours is there.
std::vector<Argv> own_routes_teardown(int family, int port, const std::string& rule_json,
                                      const std::string& route_json);

}  // namespace sshuttle::plugins::tproxy
