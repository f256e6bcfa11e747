// SPDX-License-Identifier: LGPL-2.1-or-later
// The server's routes for --auto-nets (-N), read from `ip route show` / `ip -6 route show`.
#pragma once

#include <string>
#include <vector>

#include "mux/payloads.hpp"

namespace sshuttle::server {

/// Parses `ip [-6] route show` output. Skips default, loopback, link-local, multicast and typed routes
/// (local, broadcast, unreachable, ...), like upstream drops 0.* and 127.*.
std::vector<mux::RouteLine> parse_ip_route_output(const std::string& output);

/// Runs `ip route show` and `ip -6 route show`; an error only logs (no routes from that family).
std::vector<mux::RouteLine> list_local_routes();

}  // namespace sshuttle::server
